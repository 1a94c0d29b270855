"""An independent oracle: is a step ``A = B`` of the seed's derivation true? Plain SymPy, no derive.

Each side (a tree of ``dsl``) is given its value on the seed's model (``model``): every network of
``NETWORKS`` and, when the step involves samples, every m of ``SAMPLES``; every value of its free
indices (the layer l over the values where every quantity of the step exists; a unit or sample index
over the one width its positions give it); ``POINTS`` random rational points, with f generic. A step
is true when the two sides are equal at every instance and point, and false otherwise. It is false,
too, when it is ill-typed (``Shape``): an index used with two widths, or as a unit and a sample; a
bound index that runs past a width; a quantity of a layer that does not exist (other than at a value
of the free l, which is then not an instance); a vector where a number belongs; no instance at all.

A sum whose upper bound is m binds its letter in sample positions only (see ``dsl``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import cache

import sympy as sp

from .dsl import (
    Add,
    Call,
    Data,
    Deriv,
    Frac,
    H,
    Lam,
    Layer,
    Loss,
    M,
    Mul,
    Neg,
    Node,
    Norm,
    Num,
    Paren,
    Pow,
    Row,
    Size,
    Sum,
    Sym,
    Term,
    walk,
)
from .model import Ctx, Net, f, fprime, number
from .shapes import Shape, instances

__all__ = ["NETWORKS", "SAMPLES", "POINTS", "Shape", "step_holds", "steps_of", "label"]

NETWORKS = ((2, 3, 2), (3, 2, 4), (2, 4, 3, 2), (3, 2, 2, 3))  # the last with two equal adjacent widths
SAMPLES = (1, 2, 3)
POINTS = 2


# ---------------------------------------------------------------- values


def _plus(u, v):
    if isinstance(u, tuple) != isinstance(v, tuple) or (isinstance(u, tuple) and len(u) != len(v)):
        raise Shape("a vector added to a number, or to a vector of another length")
    return tuple(p + q for p, q in zip(u, v)) if isinstance(u, tuple) else u + v


def _times(u, v):
    if isinstance(u, tuple) and isinstance(v, tuple):
        raise Shape("a product of two vectors")
    if isinstance(u, tuple) or isinstance(v, tuple):
        vec, k = (u, v) if isinstance(u, tuple) else (v, u)
        return tuple(k * e for e in vec)
    return u * v


def _scalar(v):
    if isinstance(v, tuple):
        raise Shape("a vector where a number is expected")
    return v


def _layer(n: Layer, ctx: Ctx, env: dict) -> int:
    return {"": 0, "n_l": ctx.net.n_l, "l": env.get(("layer", "l"), 0)}[n.base] + n.offset


def _sym(n: Sym, ctx: Ctx, env: dict):
    return ctx.quantity(n.name, _layer(n.layer, ctx, env), tuple(env["unit", s] for s in n.subs))


def _data(n: Data, ctx: Ctx, env: dict):
    vec = (ctx.net.x if n.name == "x" else ctx.net.y)[env["sample", n.sample] if n.sample else None]
    return vec[env["unit", n.sub] - 1] if n.sub else vec


def _loss(n: Loss, ctx: Ctx, env: dict):
    if n.full:
        return ctx.full_loss()
    return ctx.loss(*(env["sample", s] if s else None for s in (n.xs, n.ys)))


def _sum(n: Sum, ctx: Ctx, env: dict):
    kind = "sample" if isinstance(n.upper, M) else ("layer" if isinstance(n.upper, Layer) else "unit")
    total = None
    for k in range(1, int(value(n.upper, ctx, env)) + 1):
        term = value(n.body, ctx, {**env, (kind, n.var): k})
        total = term if total is None else _plus(total, term)
    return sp.Integer(0) if total is None else total


def _deriv(n: Deriv, ctx: Ctx, env: dict):
    if n.wrt.name not in ("W", "b", "z"):
        raise TypeError(f"∂/∂{n.wrt.name} is not in the model")
    key = (n.wrt.name, _layer(n.wrt.layer, ctx, env), *(env["unit", s] for s in n.wrt.subs))
    return ctx.partial(key, lambda inner: _scalar(value(n.body, inner, env)))


def _product(n: Mul, ctx: Ctx, env: dict):
    out = sp.Integer(1)
    for factor in n.factors:
        out = _times(out, value(factor, ctx, env))
    return out


def _add(n: Add, ctx: Ctx, env: dict):
    out = value(n.terms[0], ctx, env)
    for term in n.terms[1:]:
        out = _plus(out, value(term, ctx, env))
    return out


_VALUE: dict[type, Callable] = {
    Layer: _layer,
    Num: lambda n, ctx, env: sp.Integer(n.value),
    Lam: lambda n, ctx, env: ctx.net.lam,
    M: lambda n, ctx, env: sp.Integer(ctx.net.m),
    Size: lambda n, ctx, env: ctx.net.s(_layer(n.layer, ctx, env)),
    Sym: _sym,
    Data: _data,
    Call: lambda n, ctx, env: (f if n.fn == "f" else fprime)(_scalar(value(n.arg, ctx, env))),
    H: lambda n, ctx, env: ctx.forward(env["sample", n.sample] if n.sample else None)[1][ctx.net.n_l],
    Loss: _loss,
    Frac: lambda n, ctx, env: _scalar(value(n.num, ctx, env)) / _scalar(value(n.den, ctx, env)),
    Neg: lambda n, ctx, env: _times(sp.Integer(-1), value(n.x, ctx, env)),
    Term: lambda n, ctx, env: _times(sp.Integer(n.sign), value(n.x, ctx, env)),
    Add: _add,
    Mul: _product,
    Pow: lambda n, ctx, env: _scalar(value(n.base, ctx, env)) ** n.exp,
    Paren: lambda n, ctx, env: value(n.x, ctx, env),
    Norm: lambda n, ctx, env: sp.sqrt(sum(e ** 2 for e in _vector(value(n.x, ctx, env)))),
    Sum: _sum,
    Deriv: _deriv,
}


def _vector(v) -> tuple:
    if not isinstance(v, tuple):
        raise Shape("the norm of a number")
    return v


def value(node: Node, ctx: Ctx, env: dict):
    """The value of a tree on ``ctx`` with the indices of ``env``: a SymPy number or expression, or a tuple."""
    rule = _VALUE.get(type(node))
    if rule is None:
        raise TypeError(f"no value for {type(node).__name__}")
    return rule(node, ctx, env)


# ---------------------------------------------------------------- deciding a step


def _has_samples(node: Node) -> bool:
    return any((isinstance(n, Loss) and (n.full or n.xs or n.ys)) or (isinstance(n, Sum) and isinstance(n.upper, M))
               or getattr(n, "sample", None) for n in walk(node))


@cache
def _net(sizes: tuple[int, ...], m: int, point: int) -> Net:
    return Net(sizes, m, point)


@cache
def _side(node: Node, net: Net, env: frozenset):
    """A side's value at one instance, its atoms given values: an exact number."""
    return number(_scalar(value(node, Ctx(net), dict(env))), net.seed)


def _equal(a, b) -> bool:
    d = a - b
    return d == 0 if d.is_Rational else abs(sp.N(d, 60)) < sp.Float(10) ** -40  # √ of a dropped square


def _where(env: dict) -> str:
    return ", ".join(f"{letter}={v}" for (_, letter), v in sorted(env.items())) or "its one instance"


@cache
def step_holds(a: Node, b: Node) -> tuple[bool, str]:
    """Whether ``a = b`` holds on every test network, instance and random point; and why (not)."""
    samples = SAMPLES if _has_samples(a) or _has_samples(b) else (1,)
    count = 0
    try:
        for point in range(POINTS):
            for sizes, m in itertools.product(NETWORKS, samples):
                net = _net(sizes, m, point)
                for env in instances((a, b), net):
                    count += 1
                    key = frozenset(env.items())
                    if not _equal(_side(a, net, key), _side(b, net, key)):
                        return False, f"differs on {','.join(map(str, sizes))} (m={m}) at {_where(env)}"
    except Shape as exc:
        return False, f"shapes do not match: {exc}"
    if count == 0:
        return False, "no instance on any test network"
    return True, f"holds at {count // POINTS} instances"


# ---------------------------------------------------------------- rows and chains


def steps_of(rows: tuple[Row, ...], index: int) -> list[tuple[Node, Node]]:
    """The steps that involve a side written on row ``index``: lhs = rhs (or the row above's last side
    = rhs), and rhs = the next row's rhs when that row continues the chain."""
    row = rows[index]
    steps = [(row.lhs if row.lhs is not None else rows[index - 1].rhs, row.rhs)]
    if index + 1 < len(rows) and rows[index + 1].lhs is None:
        steps.append((row.rhs, rows[index + 1].rhs))
    return steps


def label(rows: tuple[Row, ...], index: int, new: Row) -> tuple[bool, str]:
    """Whether the derivation ``rows`` with row ``index`` replaced by ``new`` is still true at every step
    that involves a side that changed; and why (not)."""
    old, mutated = rows[index], (*rows[:index], new, *rows[index + 1:])
    changed = {side for name, side in new.sides().items() if old.sides().get(name) != side}
    for a, b in steps_of(mutated, index):
        if a in changed or b in changed:
            holds, why = step_holds(a, b)
            if not holds:
                return False, why
    return True, "every step holds"
