"""Definitions define: the model a file is checked against, read from the rows that define it.

A row defines when its left-hand side is a model quantity — the loss (J, C, L, E,
\\mathcal{L}, with or without arguments), the forward pass (z^l, a^l, h_{W,b}(x)),
the activation (f, σ or g of a plain variable), δ as a derivative of the loss — or
when it is written with :=, \\equiv or \\triangleq. Its first step is a definition:
listed with status ``definition``, never counted as passed. The model is the first
of derive's candidate models (``variants``) under which every definition holds; the
rest of the file is checked against it. A definition no candidate satisfies fails
at its own line; two definitions of one quantity that no candidate satisfies
together fail at the later one, naming both lines. A file that defines nothing is
checked against the networks it was given, and the report says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from checks.results import Step
from derive.errors import DeriveError, SpecError
from derive.meaning.conventions import CONVENTIONS, NIELSEN, SEED, Convention, plain_variable
from derive.model.network import Network
from derive.primitives import Activation, activation, concrete
from derive.reader import parse_equation
from derive.reader.ast import Call, Derivative, Node, Sym, Var, descendants

__all__ = ["Model", "defined", "read_model", "variants"]

LOSSES = frozenset({"J", "C", "L", "E"})
ACTIVATIONS = frozenset({"f", "sigma", "g"})


@dataclass(frozen=True)
class Candidate:
    """One model derive knows: what it is, its networks, and the notation convention it reads."""

    name: str
    nets: tuple[Network, ...]
    convention: Convention = SEED

    def read(self, step: Step) -> Step:
        """``step`` in the seed's notation, as this model's convention writes it."""
        if step.lhs is None or step.rhs is None:
            return step
        lhs, rhs = plain_variable(self.convention(step.lhs), self.convention(step.rhs))  # type: ignore[arg-type]
        return replace(step, lhs=lhs, rhs=rhs)


@dataclass(frozen=True)
class Model:
    """The model a file is checked on, what it is, and which rows defined it."""

    candidate: Candidate
    description: str
    definitions: dict  # step index -> the quantity it defines ("loss", …)
    failures: dict  # step index -> why that definition fails

    @property
    def nets(self) -> tuple[Network, ...]:
        return self.candidate.nets


def defined(step: Step, first_of_row: bool) -> str | None:
    """The model quantity ``step`` defines (None: it is a claim)."""
    lhs, rhs = step.lhs, step.rhs
    if lhs is None or rhs is None or not (step.own_lhs and first_of_row):
        return None
    if (isinstance(lhs, Call) and lhs.name in LOSSES) or (isinstance(lhs, Sym) and _bare(lhs) and lhs.name in LOSSES):
        return "the loss"
    if isinstance(lhs, Sym) and lhs.name in ("z", "a") and lhs.sup is not None:
        return "the forward pass"
    if isinstance(lhs, Call) and lhs.name == "h":
        return "the output h"
    if isinstance(lhs, Call) and lhs.name in ACTIVATIONS and len(lhs.args) == 1 and _variable(lhs.args[0]):
        return f"the activation {lhs.name}"
    if isinstance(lhs, Sym) and lhs.name == "delta" and isinstance(rhs, Derivative):
        return "the residual δ"
    if _written_as_definition(step):
        return f"{lhs}"
    return None


def _bare(node: Sym) -> bool:
    return not node.sub and node.sup is None and node.sample is None


def _variable(node: Node) -> bool:
    """A plain variable such as z or t (not an indexed quantity of the network)."""
    return isinstance(node, Var) or (isinstance(node, Sym) and _bare(node) and node.name not in ("x", "y"))


def _written_as_definition(step: Step) -> bool:
    try:
        return parse_equation(step.text).defines
    except DeriveError:
        return False


Holds = Callable[[int, Step, tuple[Network, ...]], "bool | None"]  # (index, step, nets) -> it holds (None: unread)


def variants(nets: tuple[Network, ...], declared: dict[str, str] | None = None) -> list[Candidate]:
    """derive's candidate models, the given one in the seed's convention first: each convention, with
    the given activation, then (when it is the generic f) with each concrete one of the registry, so σ
    in a definition reads as the logistic activation. A concrete activation given, and what the front
    matter ``declared`` (derive.reader.frontmatter) fixes, are not varied."""
    declared = declared or {}
    for key in ("loss", "output"):
        if key in declared:
            raise SpecError(f"front matter: derive key {key!r} is not read yet (the model has squared loss)")
    given = nets[0].activation
    if "activation" in declared:
        given = activation(declared["activation"])
    if "sizes" in declared or "samples" in declared:
        nets = tuple(replace(net, sizes=_sizes(declared.get("sizes"), net.sizes), m=int(declared.get("samples", net.m)))
                     for net in nets[:1 if "sizes" in declared else len(nets)])
    fixed = "activation" in declared or not given.generic  # a concrete --activation is the user's choice
    activations = [given] if fixed else [given, *(a for a in concrete() if a is not given)]
    conventions = [c for c in CONVENTIONS if c.key == declared["convention"]] if "convention" in declared else \
        list(CONVENTIONS)
    if not conventions:
        raise SpecError(f"unknown convention {declared['convention']!r} (known: "
                        f"{', '.join(c.key for c in CONVENTIONS)})")
    return [Candidate(_describe(act, c), tuple(replace(net, activation=act) for net in nets), c)
            for act in activations for c in conventions]


def _sizes(text: str | None, default: tuple[int, ...]) -> tuple[int, ...]:
    if text is None:
        return default
    if not re.fullmatch(r"[0-9]+(,[0-9]+)+", text):
        raise SpecError(f"sizes must be whole numbers separated by commas, got {text!r}")
    return tuple(int(s) for s in text.split(","))


def _describe(act: Activation, convention: Convention) -> str:
    return f"squared loss, {convention.name}, f {act.name}"


def read_model(steps: list[Step], nets: tuple[Network, ...], holds: Holds, declared: dict[str, str] | None = None
               ) -> Model:
    """The model of the file whose steps are ``steps`` (and whose front matter ``declared`` this):
    see the module docstring."""
    rows: set[int] = set()
    definitions = {}
    for k, step in enumerate(steps):
        kind = defined(step, step.line not in rows)
        rows.add(step.line)
        if kind is not None and not step.skip and not step.reason:
            definitions[k] = kind
    candidates = variants(nets, declared)
    read = {k: [holds(k, c.read(steps[k]), c.nets) for c in candidates] for k in definitions}
    definitions = {k: kind for k, kind in definitions.items() if any(ok is not None for ok in read[k])}
    if not definitions:  # (a definition no model can read stays not checked)
        source = "the front matter's" if declared else "the seed's"
        return Model(candidates[0], f"{source} ({candidates[0].name}); the file defines none", {}, {})
    # The model is the candidate that satisfies the most definitions (the first of equals); each
    # definition it does not satisfy fails at its own line, saying why.
    hinted = _hinted(steps)
    n = max(range(len(candidates)), key=lambda n: (sum(bool(read[k][n]) for k in definitions),
                                                   candidates[n].convention in hinted, -n))
    chosen = candidates[n]
    failures = {}
    for k, kind in definitions.items():
        if read[k][n]:
            continue
        others = [j for j in definitions if j != k and definitions[j] == kind and read[j][n]]
        if not any(read[k]):
            failures[k] = f"defines {kind} unlike every model derive knows ({chosen.name}, …)"
        elif others:
            failures[k] = f"defines {kind} differently from line {steps[others[0]].line}"
        else:
            failures[k] = f"defines {kind} unlike the model the file's other definitions set ({chosen.name})"
    note = " (definitions that fail are marked)" if failures else ""
    return Model(chosen, _from_lines(chosen.name, definitions, steps) + note, definitions, failures)


def _hinted(steps: list[Step]) -> set[Convention]:
    """The conventions the file's letters suggest, to choose between models its definitions fit alike:
    a lowercase w^l or an output layer written L is Nielsen's."""
    nodes = [n for s in steps for side in (s.lhs, s.rhs) if side is not None for n in descendants(side)]
    nielsen = any(isinstance(n, Sym) and n.sup is not None and (n.name == "w" or n.sup == Var("L")) for n in nodes)
    return {NIELSEN} if nielsen else set()


def _from_lines(name: str, definitions: dict, steps: list[Step]) -> str:
    where: dict[str, int] = {}
    for k, kind in definitions.items():
        where.setdefault(kind, steps[k].line)
    return name + "; " + ", ".join(f"{kind} from line {line}" for kind, line in where.items())
