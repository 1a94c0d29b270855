"""Names an author gives: X := E, where X is no quantity of the model, names E in every later row.

CS231n-style notes write dW^{(l)} := ∂L/∂W^{(l)} and then dW^{(l)} = dz^{(l+1)} a^{(l)T};
others e_i := a_i − y_i. Such a row is listed as a definition ("names dW^{l}") and
checked as nothing; each later row reads the name as what it names, with the
name's layer and unit letters (l, i, …) matched to what the row writes (dW^{(l+1)}
is ∂L/∂W^{(l+1)}). A bound index of the named expression that the row also uses is
renamed, so a name never captures an index.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from checks.model import LOSS_LETTERS, written_as_definition
from checks.results import Step
from derive.meaning.indices import INDEX_LETTERS
from derive.reader.ast import Call, Mul, Node, Sum, Sym, Var, descendants, rebuild

__all__ = ["named"]

KNOWN = frozenset({"W", "w", "b", "z", "a", "delta", "x", "y", "s", "m", "lambda", "n_l", *LOSS_LETTERS})


@dataclass(frozen=True)
class _Name:
    pattern: Node
    body: Node
    params: frozenset[str]


def named(steps: list[Step]) -> tuple[list[Step], dict[int, str]]:
    """The steps with every name replaced by what it names, and which steps name something (index -> name)."""
    names: list[_Name] = []
    out, naming = [], {}
    for k, step in enumerate(steps):
        if step.lhs is not None and step.rhs is not None and not step.reason:
            lhs, rhs = _expand(step.lhs, names), _expand(step.rhs, names)
            step = replace(step, lhs=lhs, rhs=rhs)
            if step.own_lhs and _new(lhs) and written_as_definition(step.text):
                if _unknown(lhs) & _unknown(rhs):  # e_i := e_i + 1 names nothing
                    out.append(replace(step, reason=f"{lhs} is defined in terms of itself"))
                    continue
                params = frozenset(n.name for n in descendants(lhs) if isinstance(n, Var) and n.name != "n_l")
                names.append(_Name(lhs, rhs, params))
                naming[k] = str(lhs)
        out.append(step)
    return out, naming


def _new(lhs: Node) -> bool:
    """Whether ``lhs`` names something the model does not have (a symbol it does not know)."""
    return bool(_unknown(lhs)) and not isinstance(lhs, Call)


def _unknown(node: Node) -> set[str]:
    return {n.name for n in descendants(node) if isinstance(n, Sym) and n.name not in KNOWN}


def _expand(node: Node, names: list[_Name]) -> Node:
    if not names:
        return node
    used = {n.name for n in descendants(node) if isinstance(n, Var)}

    def at(original: Node, new: Node) -> Node | None:
        for name in names:
            binding = _match(name.pattern, new, name.params, {})
            if binding is not None:
                return _instance(name, binding, used)
            if isinstance(new, Mul) and isinstance(name.pattern, Mul):
                spliced = _splice(new, name, used)
                if spliced is not None:
                    return spliced
        return None

    return rebuild(node, at)


def _splice(node: Mul, name: _Name, used: set[str]) -> Node | None:
    """A product whose consecutive factors spell the (product) name, with them replaced by what it names."""
    assert isinstance(name.pattern, Mul)
    width = len(name.pattern.factors)
    for start in range(len(node.factors) - width + 1):
        window = Mul(node.factors[start:start + width])
        binding = _match(name.pattern, window, name.params, {})
        if binding is not None:
            factors = (*node.factors[:start], _instance(name, binding, used), *node.factors[start + width:])
            return Mul(factors) if len(factors) > 1 else factors[0]
    return None


def _match(pattern: Node, node: Node, params: frozenset[str], binding: dict[str, Node]) -> dict[str, Node] | None:
    """The values of the pattern's letters that make it ``node`` (None: it does not match)."""
    if isinstance(pattern, Var) and pattern.name in params:
        return binding if binding.setdefault(pattern.name, node) == node else None
    if type(pattern) is not type(node):
        return None
    fits = all(_fits(want, getattr(node, key), params, binding) for key, want in vars(pattern).items())
    return binding if fits else None


def _fits(want: object, got: object, params: frozenset[str], binding: dict[str, Node]) -> bool:
    if isinstance(want, tuple):
        return isinstance(got, tuple) and len(got) == len(want) and all(
            _fits(w, g, params, binding) for w, g in zip(want, got))
    if isinstance(want, Node):
        return isinstance(got, Node) and _match(want, got, params, binding) is not None
    return want == got


def _instance(name: _Name, binding: dict[str, Node], used: set[str]) -> Node:
    """What the name names, its letters replaced by the row's and its bound indices kept apart from the row's."""
    taken = used | {n.name for v in binding.values() for n in descendants(v) if isinstance(n, Var)}
    spare = iter(sorted(INDEX_LETTERS - taken - name.params))
    renamed: dict[str, Node] = dict(binding)
    for n in descendants(name.body):
        if isinstance(n, Sum) and n.var is not None and n.var.name in taken and n.var.name not in renamed:
            renamed[n.var.name] = Var(next(spare))
    return rebuild(name.body, lambda _, new: renamed.get(new.name) if isinstance(new, Var) else None)
