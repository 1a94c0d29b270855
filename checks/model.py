"""Definitions define: the model a file is checked against, read from the rows that define it.

A row defines when its left-hand side is a model quantity — the loss (J, C, L, E,
\\mathcal{L}, with or without arguments), the forward pass (z^l, a^l, h_{W,b}(x)),
the activation (f, σ or g of a plain variable), δ as a derivative of the loss — or
when it is written with :=, \\equiv or \\triangleq. Its first step is a definition:
listed with status ``definition``, never counted as passed. The model is the first
of derive's candidate models (``variants``: conventions, activations, losses and
output layers) under which every definition holds, else the one that satisfies the
most; the rest of the file is checked against it. A definition that model does not
satisfy fails at its own line, saying whether no model has it or which line defines
the same quantity differently. A file that defines nothing is checked against the
networks it was given (or its front matter's), and the report says so. An activation row kept to
the hidden layers by its qualifier (``\\quad \\text{for } l < n_l``) and a row of the output layer
(a^{n_l}_i = z^{n_l}_i) define the layers apart: the model has that output layer (linear, or an
activation); an unqualified row for every layer beside an output row is two definitions that disagree.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from checks.results import Step
from derive.errors import DeriveError, SpecError
from derive.meaning.conventions import CONVENTIONS, NIELSEN, SEED, Convention, plain_variable
from derive.meaning.indices import layer_value
from derive.model import losses
from derive.model.network import Network
from derive.primitives import ACTIVATIONS, Activation, activation, concrete, reading
from derive.reader import parse_equation
from derive.reader.ast import Call, Derivative, Node, Qualified, Sym, Var, descendants
from derive.reader.conditions import RELU, STEP

__all__ = ["Model", "defined", "read_model", "variants", "written_as_definition", "LOSS_LETTERS"]

LOSS_LETTERS = frozenset({"J", "C", "L", "E"})
HIDDEN_LAYERS, OUTPUT_LAYER = "the hidden layers", "the output layer"  # the forward pass, defined layer by layer
FUNCTION_LETTERS = frozenset({"f", "sigma", "g"})


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
    """The model quantity ``step`` defines (None: it is a claim): an activation row of the output layer, or
    one whose qualifier keeps it to the hidden layers, defines those layers (derive.reader.conditions)."""
    lhs, rhs = step.lhs, step.rhs
    if lhs is None or rhs is None or not (step.own_lhs and first_of_row):
        return None
    if isinstance(lhs, Sym) and lhs.name == "a" and lhs.sup in (Var("n_l"), Var("L")):
        return OUTPUT_LAYER
    if isinstance(lhs, Qualified) and isinstance(lhs.x, Sym) and lhs.x.name == "a":
        at_output = lhs.lower == lhs.upper == Var("n_l")
        return OUTPUT_LAYER if at_output else HIDDEN_LAYERS if _below_output(lhs) else "the forward pass"
    lhs, rhs = (side.x if isinstance(side, Qualified) else side for side in (lhs, rhs))
    if _name(lhs) in LOSS_LETTERS and (isinstance(lhs, Call) or (isinstance(lhs, Sym) and _bare(lhs))):
        return "the loss"
    if isinstance(lhs, Sym) and lhs.name in ("z", "a") and lhs.sup is not None:
        return "the forward pass"
    if isinstance(lhs, Call) and lhs.name == "h":
        return "the output h"
    if isinstance(lhs, Call) and lhs.name in FUNCTION_LETTERS and len(lhs.args) == 1 and _variable(lhs.args[0]):
        return f"the activation {lhs.name}"
    if isinstance(lhs, Sym) and lhs.name == "delta" and isinstance(rhs, Derivative):
        return "the residual δ"
    if written_as_definition(step.text):
        return f"{lhs}"
    return None


def _below_output(side: Qualified) -> bool:
    """Whether a qualifier keeps its layer below the output layer (l < n_l, l = 2, …, n_l − 1)."""
    deep = 100  # on a deep network, where the bounds tell their order
    try:
        return side.upper is not None and layer_value(side.upper, {}, deep) < deep
    except DeriveError:
        return False


def _name(node: Node) -> str:
    return getattr(node, "name", "")


def _bare(node: Sym) -> bool:
    return not node.sub and node.sup is None and node.sample is None


def _variable(node: Node) -> bool:
    """A plain variable such as z or t (not an indexed quantity of the network)."""
    return isinstance(node, Var) or (isinstance(node, Sym) and _bare(node) and node.name not in ("x", "y"))


def written_as_definition(text: str) -> bool:
    """Whether a row is written with a defining sign (:=, \\equiv, \\triangleq, \\coloneqq)."""
    try:
        return parse_equation(text).defines
    except DeriveError:
        return False


Holds = Callable[[int, Step, tuple[Network, ...]], "bool | None"]  # (index, step, nets) -> it holds (None: unread)


def variants(nets: tuple[Network, ...], declared: dict[str, str] | None = None, text: str = "",
             called: frozenset[str] = frozenset(), layered: bool = False) -> list[Candidate]:
    """derive's candidate models, the given one in the seed's convention first: each convention, with
    the given activation, then (when it is the generic f) with each concrete one of the registry, so σ
    in a definition reads as the logistic activation; and with the given loss and output layer, then
    (when they are the seed's) with each loss of the registry, its output as the hidden layers', linear,
    softmax, or the one it is written for. A concrete activation given, and what the front
    matter ``declared`` (derive.reader.frontmatter) fixes, are not varied. Only what the file's ``text``
    could name is tried: an activation its LaTeX spells or its rows ``called`` (relu for \\max(0, z) and the
    step \\mathbb{1}[z > 0]), a log loss where it writes a log, softmax where it writes an exponential; and, when
    it defines its output layer apart from its hidden ones (``layered``), each of those activations as the
    output layer under another hidden one."""
    declared = declared or {}
    base = nets[0]
    if "sizes" in declared or "samples" in declared:
        nets = tuple(replace(net, sizes=_sizes(declared.get("sizes"), net.sizes), m=int(declared.get("samples", net.m)))
                     for net in nets[:1 if "sizes" in declared else len(nets)])
    given = activation(declared["activation"]) if "activation" in declared else base.activation
    fixed = "activation" in declared or not given.generic  # a concrete --activation is the user's choice
    activations = [given] if fixed else [given, *(a for a in ACTIVATIONS.values() if not a.generic and (
        any(f"{r}(" in text or f"\\{r}" in text or f"{{{r}}}" in text or r in called for r in a.reads)
        or a.name in text or (STEP in called and a is reading(RELU))))]
    conventions = [c for c in CONVENTIONS if c.key == declared["convention"]] if "convention" in declared else \
        list(CONVENTIONS)
    if not conventions:
        raise SpecError(f"unknown convention {declared['convention']!r} (known: "
                        f"{', '.join(c.key for c in CONVENTIONS)})")
    models = [(losses.loss(declared.get("loss", base.loss)), losses.output(declared.get("output", base.output)))]
    if "loss" not in declared and "output" not in declared and base.seed_model:
        models += [(lo, out) for lo in losses.LOSSES.values() for out in (losses.SAME, *losses.OUTPUTS.values())
                   if (lo, out) != models[0]
                   and (out is losses.SAME or out.name == "linear" or out.coupled or lo.linked(out))
                   and ("log" in text or lo.domain is None) and (not out.coupled or "e^" in text or "exp" in text)]
        if layered:  # a unit-by-unit output layer of another activation than the hidden layers'
            models += [(lo, losses.output(a.name)) for lo, out in list(models) if out is losses.SAME
                       for a in activations if a in concrete() and (lo.domain is None or "log" in text)]
    found = []
    for (lo, out), act, c in itertools.product(models, activations, conventions):
        if out.activation is act:  # the same activation everywhere: that is the output ``same``
            continue
        try:
            found.append(Candidate(_describe(lo, out, act, c), tuple(
                replace(net, activation=act, loss=lo, output=out) for net in nets), c))
        except SpecError:  # an output the loss cannot take
            continue
    return found


def _describe(lo: losses.Loss, out: losses.Output, act: Activation, convention: Convention) -> str:
    if out is losses.SAME:
        return f"{lo.name} loss, {convention.name}, f {act.name}"
    return f"{lo.name} loss, {out.name} output, {convention.name}, f = {act.name} in the hidden layers"


def _sizes(text: str | None, default: tuple[int, ...]) -> tuple[int, ...]:
    if text is None:
        return default
    if not re.fullmatch(r"[0-9]+(,[0-9]+)+", text):
        raise SpecError(f"sizes must be whole numbers separated by commas, got {text!r}")
    return tuple(int(s) for s in text.split(","))


def read_model(steps: list[Step], nets: tuple[Network, ...], holds: Holds, declared: dict[str, str] | None = None,
               text: str = "") -> Model:
    """The model of the file ``text`` whose steps are ``steps`` (and whose front matter ``declared`` this):
    see the module docstring."""
    rows: set[int] = set()
    definitions = {}
    prose = _defining_prose(text)
    for k, step in enumerate(steps):
        kind = defined(step, step.line not in rows)
        if kind is None and step.line in prose and step.line not in rows and step.own_lhs and step.lhs is not None:
            kind = f"{step.lhs}"  # "we define" just before its display
        rows.add(step.line)
        if kind is not None and not step.skip and not step.reason:
            definitions[k] = kind
    called = frozenset(n.name for s in steps for side in (s.lhs, s.rhs) if side is not None
                       for n in descendants(side) if isinstance(n, Call))
    layered = any(kind in (HIDDEN_LAYERS, OUTPUT_LAYER) for kind in definitions.values())
    candidates = variants(nets, declared, "\n".join(step.text for step in steps), called, layered)
    found: list[dict] = []
    for candidate in candidates:  # the first model under which every definition holds
        found.append({k: holds(k, candidate.read(steps[k]), candidate.nets) for k in definitions})
        if found[-1] and all(found[-1].values()):
            return Model(candidate, _from_lines(candidate.name, definitions, steps), definitions, {})
    read = {k: [f[k] for f in found] for k in definitions}
    definitions = {k: kind for k, kind in definitions.items() if any(ok is not None for ok in read[k])}
    if not definitions:  # (a definition no model can read stays not checked)
        source = "the declared one (front matter, command line)" if declared else "the seed's"
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
        same = lambda j: _quantity(steps[j]) == _quantity(steps[k])  # noqa: B023 - used in this iteration only
        others = sorted((j for j in definitions if j != k and read[j][n] and (definitions[j] == kind or same(j))),
                        key=lambda j: not same(j))
        if not any(read[k]):
            failures[k] = f"defines {kind} unlike every model derive knows ({chosen.name}, …)"
        elif others:
            failures[k] = f"defines {kind} differently from line {steps[others[0]].line}" + _overlap(
                {kind, definitions[others[0]]}, steps[k] if kind != OUTPUT_LAYER else steps[others[0]])
        else:
            failures[k] = f"defines {kind} unlike the model the file's other definitions set ({chosen.name})"
    note = " (definitions that fail are marked)" if failures else ""
    return Model(chosen, _from_lines(chosen.name, definitions, steps) + note, definitions, failures)


def _quantity(step: Step) -> str:
    """What a definition defines, whatever its layers: a, z, δ, J, f."""
    lhs = step.lhs.x if isinstance(step.lhs, Qualified) else step.lhs
    return getattr(lhs, "name", str(lhs))


def _overlap(kinds: set[str], general: Step) -> str:
    """Why an output layer and an activation row of every layer disagree, and how to say what was meant."""
    if kinds != {OUTPUT_LAYER, "the forward pass"} or _quantity(general) != "a":
        return ""
    return (f" (line {general.line} defines a for every layer, the output layer too; if it is meant for the hidden "
            "layers, say so: \\quad \\text{for } l < n_l)")


_DEFINE = re.compile(r"\b(we|let us|let's|I)\s+define\b|\bis defined (as|by)\b|\bdefine\b[^.]*:\s*$", re.I)


def _defining_prose(text: str) -> set[int]:
    """Lines that open a display right after prose that says it defines ("we define …:")."""
    lines, found = text.split("\n"), set()
    for n, line in enumerate(lines):
        if re.match(r"\s*(\$\$|\\\[|\\begin\{)", line):
            before = next((b for b in reversed(lines[max(0, n - 3):n]) if b.strip()), "")
            if _DEFINE.search(before):
                found.add(n + 2 if line.strip() in ("$$", "\\[") or line.strip().startswith("\\begin") else n + 1)
    return found


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
