"""The symbolic view a claim's formula is evaluated on.

A claim about a residual at layer l lives in the network cut at layer l (z^l
fresh symbols); a gradient claim lives in the uncut network of the sample (x, y).
References to δ or to per-sample gradients are the true (automatic) ones, so
each claim stands or falls on its own.
"""

from __future__ import annotations

from collections.abc import Callable

from derive.errors import ClaimError
from derive.model.autodiff import Derivatives
from derive.model.network import Forward
from derive.model.quantity import Quantity

__all__ = ["SymbolicView", "Lazy", "view_for", "delta_in"]


class Lazy:
    """A read-only mapping whose values are made on first use by ``make(key)``."""

    def __init__(self, make: Callable):
        self._make = make
        self._done: dict = {}

    def __getitem__(self, key):
        if key not in self._done:
            self._done[key] = self._make(key)
        return self._done[key]


class SymbolicView:
    """The network as engine expressions, in the world of the forward pass ``fw``."""

    def __init__(self, d: Derivatives, fw: Forward):
        net = d.net
        self.net, self.n_l, self.m, self.lam = net, net.n_l, net.m, net.lam_symbol
        self.W, self.b, self.x, self.y = net.W, net.b, net.x(), net.y()
        self.z, self.a, self.samples, self.s, self.units = fw.z, fw.a, net.samples, net.s, net.units
        self.f, self.fprime, self.ops = net.eng.f, net.eng.fprime, net.eng.ops
        self.delta = Lazy(lambda l: delta_in(d, fw, l))
        self.dJ_dW = Lazy(lambda k: _at_sample(d, "W", k))
        self.dJ_db = Lazy(lambda k: _at_sample(d, "b", k))


def delta_in(d: Derivatives, fw: Forward, l: int) -> dict:
    """δ^l in the world of ``fw``: the uncut network of (x, y), or the network cut at fw.start."""
    if l not in d.within or l < fw.start:
        where = f"a network cut at layer {fw.start}" if fw.start > 1 else "this network"
        raise ClaimError(f"δ^{l} is not defined in {where}")
    return d.at[None]["z"][l] if fw.start == 1 else d.within[fw.start][l]


def _at_sample(d: Derivatives, wrt: str, k: int) -> dict:
    if k not in d.net.samples:
        raise ClaimError(f"sample {k} does not exist (m = {d.net.m})")
    return d.at[k][wrt]


def view_for(d: Derivatives, q: Quantity, l: int, cache: dict) -> SymbolicView:
    """The view a claim about ``q`` at layer ``l`` is evaluated on (cached per world)."""
    start = l if q.cut else 1
    if start not in cache:
        fw = d.net.world(cut=start) if start > 1 else d.net.world()
        cache[start] = SymbolicView(d, fw)
    return cache[start]
