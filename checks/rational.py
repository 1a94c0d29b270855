"""Whether a rational function of symbols and applied functions is identically zero, decided exactly.

Each applied function (f(…), f'(…), log(…), …) becomes a variable keyed by its name and its
expanded argument (equal keys are equal values; two keys for one value can only hide an
equality, never invent one). The whole is then put over one denominator, over the DAG and
with each base once (SymPy's ``together``, in symengine), and the numerator expanded: it is 0
exactly when the rational function is, wherever it is defined. An expression that holds ∞ or
NaN, or a denominator that is itself identically 0, is not called zero.

>>> import symengine as se
>>> x, y = se.symbols("x y")
>>> is_zero(-y / x + (1 - y) / (1 - x) - (x - y) / (x * (1 - x)))
True
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from derive.model.dag import children, post_order

__all__ = ["is_zero", "rebuild"]


def is_zero(expr) -> bool:
    """Whether ``expr`` (an engine expression: symengine or SymPy) is identically 0 (see the module docstring)."""
    import symengine as se

    expr = _variables(se.sympify(expr))
    if any(n in (se.zoo, se.nan, se.oo, -se.oo) for n in post_order([expr])):
        return False
    numerator, bases = _over_one_denominator(expr)
    if any(se.expand(b) == 0 for b in bases):  # a denominator that is 0 itself: undefined, not zero
        return False
    return se.expand(numerator) == 0


def rebuild(roots: list, swap: dict) -> list:
    """``roots`` with each node of ``swap`` replaced, each shared node rebuilt once."""
    new: dict = {}
    for node in post_order(roots, lambda n: () if n in swap else children(n)):
        if node in swap:
            new[node] = swap[node]
        elif node.is_Atom or node.is_Number or not node.args:
            new[node] = node
        else:
            args = [new[c] for c in node.args]
            new[node] = node if all(a is c or a == c for a, c in zip(args, node.args)) else node.func(*args)
    return [new[r] for r in roots]


def _variables(expr) -> Any:
    """``expr`` (symengine) with every applied function a variable keyed by its name and expanded argument."""
    import symengine as se

    swap: dict = {}
    keys: dict = {}
    for node in post_order([expr]):
        if not isinstance(node, se.Function) or node in swap:
            continue
        args = tuple(se.expand(a.xreplace(swap) if swap else a) for a in node.args)
        name = node.get_name() if hasattr(node, "get_name") else type(node).__name__
        swap[node] = keys.setdefault((name, args), se.Symbol(f"⟨{len(keys)}⟩"))
    return rebuild([expr], swap)[0] if swap else expr


def _over_one_denominator(expr) -> tuple[Any, set]:
    """N with expr = N / Π b^D[b] (SymPy's ``together``, over the DAG, with each base b once), and every
    base b that was a denominator on the way."""
    done: dict = {}
    bases: set = set()
    common: dict
    for node in post_order([expr]):
        if node.is_Add:
            parts = [done[t] for t in node.args]
            common = reduce(_most, (d for _, d in parts), {})
            done[node] = (node.func(*(n * _power(common, d) for n, d in parts)), common)
        elif node.is_Mul:
            parts = [done[t] for t in node.args]
            done[node] = (node.func(*(n for n, _ in parts)), reduce(_sum, (d for _, d in parts), {}))
        elif node.is_Pow and node.args[1].is_Integer and int(node.args[1]) < 0:
            n, d = done[node.args[0]]
            k = -int(node.args[1])
            done[node] = (_power({b: p * k for b, p in d.items()}, {}), {n: k} if n != 1 else {})
            bases.add(n)
        elif node.is_Pow and node.args[1].is_Integer:
            n, d = done[node.args[0]]
            k = int(node.args[1])
            done[node] = (n**k, {b: p * k for b, p in d.items()})
        else:
            done[node] = (node, {})
    return done[expr][0], bases


def _most(d: dict, e: dict) -> dict:
    return {b: max(d.get(b, 0), e.get(b, 0)) for b in {*d, *e}}


def _sum(d: dict, e: dict) -> dict:
    return {b: d.get(b, 0) + e.get(b, 0) for b in {*d, *e}}


def _power(common: dict, d: dict):
    """Π b^(common[b] − d[b]): what a term over Π b^d[b] is multiplied by to be over Π b^common[b]."""
    return reduce(operator.mul, (b ** (p - d.get(b, 0)) for b, p in common.items() if p > d.get(b, 0)), 1)
