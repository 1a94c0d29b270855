"""Walking an expression as the DAG it is: each shared subexpression once.

Gradients built in reverse mode share their subexpressions heavily; as trees
they grow like the product of the layer widths. Everything here visits each
distinct node once, children before parents.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from functools import reduce
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from derive.model.engines import Engine
    from derive.primitives import Function

__all__ = ["post_order", "evaluate", "children"]


def children(node) -> tuple:
    return () if node.is_Atom or node.is_Number else tuple(node.args)


def post_order(roots: Iterable, children: Callable[[Any], tuple] = children) -> list:
    """Every node under ``roots``, each after all of its ``children``."""
    seen, out = set(), []
    for root in roots:
        if root in seen:
            continue
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                out.append(node)
                continue
            if node in seen:
                continue
            seen.add(node)
            stack.append((node, True))
            stack.extend((child, False) for child in children(node) if child not in seen)
    return out


def evaluate(eng: Engine, roots: list, symbol: Callable, number: Callable,
             call: Callable[[Function, object], object]) -> list:
    """The value of each root, computed bottom-up over the DAG with the given leaves and calls.

    ``symbol(s)`` and ``number(n)`` give leaf values, ``call(fn, value)`` the value of one of
    the registry's functions at a value; sums, products and integer powers use the
    values' own arithmetic. Raises ValueError on anything else.
    """
    values: dict = {}
    applied: dict = {}

    def argument(node) -> tuple:  # a function's argument is its only child (not E of symengine's E**x)
        found = eng.applied(node)
        if found is None:
            return children(node)
        applied[node] = found
        return (found[1],)

    for node in post_order(roots, argument):
        if node in applied:
            fn, arg = applied[node]
            values[node] = call(fn, values[arg])
        elif node.is_Number:
            values[node] = number(node)
        elif node.is_Symbol:
            values[node] = symbol(node)
        elif node.is_Add or node.is_Mul:
            values[node] = reduce(operator.add if node.is_Add else operator.mul, (values[c] for c in node.args))
        elif node.is_Pow:
            base, exp = node.args
            if not exp.is_Integer:
                raise ValueError(f"a power with a non-integer exponent: {node}")
            values[node] = values[base] ** int(exp)
        else:
            raise ValueError(f"cannot evaluate {type(node).__name__}")
    return [values[r] for r in roots]
