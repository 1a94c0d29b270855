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

from collections.abc import Callable
from dataclasses import dataclass

from checks.results import Step
from derive.errors import DeriveError
from derive.model.network import Network
from derive.reader import parse_equation
from derive.reader.ast import Call, Derivative, Node, Sym, Var

__all__ = ["Model", "defined", "read_model", "variants"]

LOSSES = frozenset({"J", "C", "L", "E"})
ACTIVATIONS = frozenset({"f", "sigma", "g"})


@dataclass(frozen=True)
class Model:
    """The networks a file is checked on, what they are, and which rows defined them."""

    nets: tuple[Network, ...]
    description: str
    definitions: dict  # step index -> the quantity it defines ("loss", …)
    failures: dict  # step index -> why that definition fails


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


def variants(nets: tuple[Network, ...]) -> list[tuple[str, tuple[Network, ...]]]:
    """derive's candidate models, the given one first: (what it is, its networks)."""
    return [(_describe(nets[0]), nets)]


def _describe(net: Network) -> str:
    return f"squared loss, weights from layer l to l+1, f {net.activation.name}"


def read_model(steps: list[Step], nets: tuple[Network, ...], holds: Holds) -> Model:
    """The model of the file whose steps are ``steps``: see the module docstring."""
    rows: set[int] = set()
    definitions = {}
    for k, step in enumerate(steps):
        kind = defined(step, step.line not in rows)
        rows.add(step.line)
        if kind is not None and not step.skip and not step.reason:
            definitions[k] = kind
    candidates = variants(nets)
    read = {k: [holds(k, steps[k], c) for _, c in candidates] for k in definitions}
    definitions = {k: kind for k, kind in definitions.items() if None not in read[k]}  # unread: stays not checked
    if not definitions:
        return Model(nets, f"the seed's ({_describe(nets[0])}); the file defines none", {}, {})
    for n, (name, candidate) in enumerate(candidates):
        if all(read[k][n] for k in definitions):
            return Model(candidate, _from_lines(name, definitions, steps), definitions, {})
    failures = {}
    for k, kind in definitions.items():
        alone = [name for (name, _), ok in zip(candidates, read[k]) if ok]
        earlier = [j for j in definitions if j < k and definitions[j] == kind and j not in failures]
        if not alone:
            known = "; ".join(name for name, _ in candidates)
            failures[k] = f"defines {kind} unlike every model derive knows ({known})"
        elif earlier:
            failures[k] = f"defines {kind} differently from line {steps[earlier[-1]].line}"
    name, first = candidates[0]
    return Model(first, _from_lines(name, definitions, steps) + " (definitions that fail are marked)", definitions,
                 failures)


def _from_lines(name: str, definitions: dict, steps: list[Step]) -> str:
    where: dict[str, int] = {}
    for k, kind in definitions.items():
        where.setdefault(kind, steps[k].line)
    return name + "; " + ", ".join(f"{kind} from line {line}" for kind, line in where.items())
