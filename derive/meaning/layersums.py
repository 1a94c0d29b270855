"""Sums over layers that both sides of an equation share cancel before the all-widths proof.

A sum over layers (the weight decay (λ/2) Σ_l Σ_i Σ_j (W^l_ji)²) reaches every
layer, so no finite set of windows covers it. But when both sides hold the
same such term — up to the names of its summation indices — the difference does
not contain it, and the equation without it is equivalent. J(W,b) written as a
whole term is first replaced by its definition, so that J(W,b) = [1/m Σ_k …] +
(λ/2) Σ_l … can be proved for every network. Anything else is left as it is.
"""

from __future__ import annotations

from fractions import Fraction

from derive.meaning.indices import over_layers
from derive.reader import parse_equation
from derive.reader.ast import Add, Call, Neg, Node, Num, Sum, Sym, Var, children, descendants

__all__ = ["cancel_layer_sums", "FULL_LOSS"]

# J(W,b) as derive.model.loss.full_loss defines it (tests/test_all_widths.py checks that they agree).
FULL_LOSS = (r"\frac{1}{m}\sum_{k=1}^{m} J(W,b;x^{(k)},y^{(k)}) + "
             r"\frac{\lambda}{2}\sum_{l=1}^{n_l-1}\sum_{i=1}^{s_l}\sum_{j=1}^{s_{l+1}} (W^l_{ji})^2")


def cancel_layer_sums(lhs: Node, rhs: Node) -> tuple[Node, Node]:
    """``lhs`` and ``rhs`` without the terms holding a sum over layers that occur on both sides alike."""
    left, right = _terms(lhs), _terms(rhs)
    if not any(_has_layer_sum(t) for _, t in left + right):
        return lhs, rhs
    for sign, term in list(left):
        if not _has_layer_sum(term):
            continue
        twin = next((other for other in right if other[0] == sign and _key(other[1]) == _key(term)), None)
        if twin is not None:
            left.remove((sign, term))
            right.remove(twin)
    return _sum(left), _sum(right)


def _terms(node: Node, sign: int = 1) -> list[tuple[int, Node]]:
    """The top-level terms of ``node`` with their signs; J(W,b) as a term is replaced by its definition."""
    if isinstance(node, Add):
        return [t for term in node.terms for t in _terms(term, sign)]
    if isinstance(node, Neg):
        return _terms(node.x, -sign)
    if isinstance(node, Call) and node.name == "J" and len(node.args) == 2:
        return _terms(parse_equation(f"J(W,b) = {FULL_LOSS}").rhs[0], sign)  # derive's own text, not a user's
    return [(sign, node)]


def _sum(terms: list[tuple[int, Node]]) -> Node:
    nodes = [t if s > 0 else Neg(t) for s, t in terms]
    return Num(Fraction(0)) if not nodes else nodes[0] if len(nodes) == 1 else Add(tuple(nodes))


def _has_layer_sum(node: Node) -> bool:
    return any(isinstance(n, Sum) and over_layers(n) for n in descendants(node))


def _key(node: Node, names: dict[str, str] | None = None) -> str:
    """A spelling of ``node`` that ignores the names of summation indices (and s_T against S_T)."""
    names = names or {}
    if isinstance(node, Sum) and node.var is not None:
        inner = {**names, node.var.name: f"#{len(names)}"}
        return (f"Sum({inner[node.var.name]},{_key(node.lower, names) if node.lower else ''},"
                f"{_key(node.upper, names) if node.upper else ''},{_key(node.body, inner)})")
    if isinstance(node, Var):
        return names.get(node.name, node.name)
    if isinstance(node, Num):
        return str(node.value)
    label = type(node).__name__
    if isinstance(node, Sym):
        label += f":{'s' if node.name == 'S' else node.name}:{len(node.sub)}"
    elif isinstance(node, Call):
        label += f":{node.name}"
    return f"{label}({','.join(_key(c, names) for c in children(node))})"
