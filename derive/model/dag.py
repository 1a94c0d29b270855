"""Walking an expression as the DAG it is: each shared subexpression once.

Gradients built in reverse mode share their subexpressions heavily; as trees
they grow like the product of the layer widths. Everything here visits each
distinct node once, children before parents.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache, reduce
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from derive.model.engines import Engine
    from derive.primitives import Function

__all__ = ["post_order", "evaluate", "plan", "cached_plan", "run", "Plan", "Ring", "children"]


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


@dataclass(frozen=True)
class Plan:
    """An expression DAG laid out for evaluation: one step per distinct node, children first, as
    (kind, payload, child slots); ``free[k]`` are the slots nothing needs after step k."""

    steps: list[tuple[str, Any, tuple[int, ...]]]
    roots: list[int]
    free: list[list[int]]


def plan(eng: Engine, roots: list) -> Plan:
    """Walk the DAG of ``roots`` once; the plan can then be run on any number of points."""
    applied: dict = {}

    def argument(node) -> tuple:  # a function's argument is its only child (not E of symengine's E**x)
        if node.is_Add or node.is_Mul or node.is_Atom or node.is_Number:
            return children(node)
        found = eng.applied(node)
        if found is None:
            return children(node)
        applied[node] = found
        return (found[1],)

    order = post_order(roots, argument)
    slot = {node: k for k, node in enumerate(order)}
    steps = [_step(node, applied, slot) for node in order]
    last = {c: k for k, (_, _, kids) in enumerate(steps) for c in kids}
    keep = {slot[r] for r in roots}
    free: list[list[int]] = [[] for _ in steps]
    for c, k in last.items():
        if c not in keep:
            free[k].append(c)
    return Plan(steps, [slot[r] for r in roots], free)


@lru_cache(maxsize=8)
def cached_plan(eng: Engine, roots: tuple) -> Plan:
    """``plan(eng, roots)``, kept for the next runs over the same roots (the activations of a numeric check,
    the trials and the error bound of a test modulo p)."""
    return plan(eng, list(roots))


def _step(node, applied: dict, slot: dict) -> tuple[str, Any, tuple[int, ...]]:
    if node in applied:
        fn, arg = applied[node]
        return "call", fn, (slot[arg],)
    if node.is_Number:
        return "number", node, ()
    if node.is_Symbol:
        return "symbol", node, ()
    if node.is_Add or node.is_Mul:
        return ("add" if node.is_Add else "mul"), None, tuple(slot[c] for c in node.args)
    if node.is_Pow:
        base, exp = node.args
        return "pow", exp, (slot[base],)
    raise ValueError(f"cannot evaluate {type(node).__name__}")


def _sum(xs: list) -> Any:
    return reduce(operator.add, xs)


def _product(xs: list) -> Any:
    return reduce(operator.mul, xs)


@dataclass(frozen=True)
class Ring:
    """How values add, multiply and take integer powers (default: their own operators)."""

    add: Callable[[list], Any] = _sum
    mul: Callable[[list], Any] = _product
    pow: Callable[[Any, int], Any] = operator.pow


def run(p: Plan, symbol: Callable, number: Callable, call: Callable[[Function, object], object],
        power: Callable | None = None, ring: Ring = Ring()) -> list:
    """The value of each root of ``p``: ``symbol(s)`` and ``number(n)`` give leaf values, ``call(fn, value)``
    the value of one of the registry's functions at a value; sums, products and integer powers are the
    ``ring``'s, other powers ``power(base, exponent)`` if given (else ValueError). A value is dropped
    once nothing above it needs it, so memory follows the widest cut of the DAG, not its size."""
    values: list = [None] * len(p.steps)
    for k, (kind, payload, kids) in enumerate(p.steps):
        if kind == "add":
            values[k] = ring.add([values[c] for c in kids])
        elif kind == "mul":
            values[k] = ring.mul([values[c] for c in kids])
        elif kind == "call":
            values[k] = call(payload, values[kids[0]])
        elif kind == "symbol":
            values[k] = symbol(payload)
        elif kind == "number":
            values[k] = number(payload)
        elif payload.is_Integer:
            values[k] = ring.pow(values[kids[0]], int(payload))
        elif power is not None and payload.is_Number:
            values[k] = power(values[kids[0]], float(payload))
        else:
            raise ValueError(f"a power with a non-integer exponent: {payload}")
        for c in p.free[k]:
            values[c] = None
    return [values[r] for r in p.roots]


def evaluate(eng: Engine, roots: list, symbol: Callable, number: Callable,
             call: Callable[[Function, object], object], power: Callable | None = None) -> list:
    """``run(plan(eng, roots), …)``: the roots' values over their DAG, walked once."""
    return run(plan(eng, roots), symbol, number, call, power)
