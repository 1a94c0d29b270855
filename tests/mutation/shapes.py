"""Which instances a step has on a network: the oracle's index types.

A unit index (subscript of W, b, z, a, δ, x, y) has the width of its layer; a sample index (the
superscript of x^i, y^i, h_{W,b}(x^i), J(W,b;x^i,y^i)) runs to m. A free index must have one width
wherever it is used, and may not be both a unit and a sample; a bound index may not run past the width
of a place it is used in (a shorter range is a partial sum). Every quantity must exist: W^L and b^L for
L = 1..n_l-1, z^L and δ^L for L = 2..n_l, a^L and s_L for L = 1..n_l. Where a quantity's layer involves
the free layer l, a value of l at which it does not exist is no instance; anywhere else, or when any
other rule is broken, the step is ill-typed (``Shape``) and so false.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from . import dsl
from .model import Net

__all__ = ["Shape", "instances"]

EXISTS = {"W": (1, -1), "b": (1, -1), "z": (2, 0), "delta": (2, 0), "a": (1, 0)}  # first layer, last - n_l


class Shape(Exception):
    """The step is ill-typed on a network: it is false."""


class _Missing(Exception):
    """A quantity at this value of the free layer l does not exist: not an instance."""


class _NeedsLayer(Exception):
    """The step has a free layer index l."""


class _Typer:
    """Walks a step on one network (the free layer l at ``free_l``), checking that every quantity exists and
    every bound index stays within its widths, and collecting the widths each free index is used with."""

    def __init__(self, net: Net, free_l: int | None):
        self.net, self.free_l, self.uses = net, free_l, dict[tuple[str, str], set[int]]()

    def layer(self, n: dsl.Layer, env: dict) -> int:
        if n.base == "l" and ("layer", "l") not in env and self.free_l is None:
            raise _NeedsLayer
        return {"": 0, "n_l": self.net.n_l, "l": env.get(("layer", "l"), self.free_l)}[n.base] + n.offset

    def exists(self, n: dsl.Layer, env: dict, low: int, high: int) -> int:
        L = self.layer(n, env)
        if not low <= L <= self.net.n_l + high:
            if n.base == "l" and ("layer", "l") not in env:
                raise _Missing
            raise Shape(f"layer {L} does not exist on {','.join(map(str, self.net.sizes))}")
        return L

    def use(self, kind: str, letter: str | None, width: int, env: dict) -> None:
        if letter is None:
            return
        if (kind, letter) in env:
            if env[kind, letter] > width:
                raise Shape(f"{letter} runs to {env[kind, letter]}, past a width {width}")
        else:
            self.uses.setdefault((kind, letter), set()).add(width)

    def walk(self, node: dsl.Node, env: dict) -> None:
        visit = getattr(self, f"_{type(node).__name__}", None)
        if visit is None:
            for child in dsl.children(node):
                self.walk(child, env)
        else:
            visit(node, env)

    def _Sym(self, n: dsl.Sym, env: dict) -> None:
        net, L = self.net, self.exists(n.layer, env, *EXISTS[n.name])
        widths = (net.s(L + 1), net.s(L)) if n.name == "W" else (net.s(L + 1) if n.name == "b" else net.s(L),)
        if len(n.subs) != len(widths):
            raise Shape(f"{n.name} with {len(n.subs)} indices")
        for letter, width in zip(n.subs, widths):
            self.use("unit", letter, width, env)

    def _Size(self, n: dsl.Size, env: dict) -> None:
        self.exists(n.layer, env, 1, 0)

    def _Data(self, n: dsl.Data, env: dict) -> None:
        self.use("unit", n.sub, self.net.s(1 if n.name == "x" else self.net.n_l), env)
        self.use("sample", n.sample, self.net.m, env)

    def _H(self, n: dsl.H, env: dict) -> None:
        self.use("sample", n.sample, self.net.m, env)

    def _Loss(self, n: dsl.Loss, env: dict) -> None:
        self.use("sample", n.xs, self.net.m, env)
        self.use("sample", n.ys, self.net.m, env)

    def _Sum(self, n: dsl.Sum, env: dict) -> None:
        if isinstance(n.upper, dsl.Layer):
            for L in range(1, self.layer(n.upper, env) + 1):
                self.walk(n.body, {**env, ("layer", n.var): L})
        elif isinstance(n.upper, dsl.M):
            self.walk(n.body, {**env, ("sample", n.var): self.net.m})
        else:
            assert isinstance(n.upper, dsl.Size), n.upper
            self.walk(n.body, {**env, ("unit", n.var): self.net.s(self.exists(n.upper.layer, env, 1, 0))})


def instances(sides: tuple[dsl.Node, ...], net: Net) -> Iterator[dict]:
    """Every assignment of the free indices of ``sides`` on ``net``, as {(kind, letter): value} with kind
    "layer", "unit" or "sample"; Shape when the sides are ill-typed."""
    try:
        for side in sides:
            _Typer(net, None).walk(side, {})
        layers: tuple = (None,)
    except _NeedsLayer:
        layers = tuple(range(1, net.n_l + 1))
    for L in layers:
        typer = _Typer(net, L)
        try:
            for side in sides:
                typer.walk(side, {})
        except _Missing:
            continue
        for (kind, letter), widths in typer.uses.items():
            if len(widths) > 1:
                raise Shape(f"{letter} is used with widths {sorted(widths)} on {','.join(map(str, net.sizes))}")
            if kind == "unit" and ("sample", letter) in typer.uses:
                raise Shape(f"{letter} is both a unit and a sample")
        keys = sorted(typer.uses)
        fixed = {} if L is None else {("layer", "l"): L}
        for combo in itertools.product(*(range(1, max(typer.uses[k]) + 1) for k in keys)):
            yield {**fixed, **dict(zip(keys, combo))}
