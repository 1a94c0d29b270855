"""Every instance an equation has on one network: the free layer l where its quantities exist,
the free unit indices over the layers they are typed by (derive.meaning.indices).

An instance the left-hand side has is checked whatever the right-hand side does:
a right-hand side that runs past a width there is a shape error, not a skip.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from derive.errors import NotUnderstood
from derive.meaning.arrays import Vec
from derive.meaning.evaluator import Budget, Reading, evaluate
from derive.meaning.indices import SAMPLES, ShapeError, type_indices
from derive.meaning.symbols import Env, SymbolTable, Unfit
from derive.reader.ast import Node, Num, Sym, descendants

__all__ = ["Instance", "instances", "LAYER_VARIABLES"]

LAYER_VARIABLES = ("l",)  # a free letter that stands for a layer, not a unit


@dataclass(frozen=True)
class Instance:
    """The index values of one instance (l and the units) and both sides' readings there."""

    units: dict
    left: Reading
    right: Reading

    def pairs(self) -> list[tuple[str, object, object]]:
        """The values to compare: the two sides, or a vector equation unit by unit."""
        left, right = self.left.value, self.right.value
        if isinstance(left, Vec) and isinstance(right, Vec) and len(left.items) == len(right.items):
            return [(f"unit {u}", a, b) for u, (a, b) in enumerate(zip(left.items, right.items), 1)]
        if isinstance(left, Vec) or isinstance(right, Vec):
            raise NotUnderstood("one side is a vector and the other is not (or of another length)")
        return [("", left, right)]

    def where(self, sizes: tuple[int, ...]) -> str:
        return _place(sizes, self.units)


def instances(table: SymbolTable, lhs: Node, rhs: Node, free: list[str], budget: Budget) -> Iterator[Instance]:
    """The instances of ``lhs = rhs`` on ``table``'s network, with ``free`` its free index letters.

    Raises ShapeError (its ``where`` says on which network and layer) for an index typed by two layers
    or a right-hand side that runs past a width where the left-hand side exists.
    """
    net = table.net
    layer_names = [n for n in free if n in LAYER_VARIABLES]
    unit_names = [n for n in free if n not in LAYER_VARIABLES]
    for values in itertools.product(*(range(1, net.n_l + 1) for _ in layer_names)):
        layers = dict(zip(layer_names, values))
        place = _place(net.sizes, layers)
        try:
            typing = type_indices(lhs, rhs, net.sizes, layers)
        except Unfit:  # a quantity of this layer does not exist: l is outside the equation's domain
            continue
        except ShapeError as exc:
            raise ShapeError(f"{exc} ({place})") from None
        untyped = any(typing.free.get(n) is None for n in unit_names)
        ranges = [_units(typing.free.get(n), net) for n in unit_names]
        for combo in itertools.product(*ranges):
            units = {**layers, **dict(zip(unit_names, combo))}
            env = Env(units=units)
            try:
                left = evaluate(table, typing.lhs, env, budget)
            except Unfit as exc:
                if untyped or _fixed_units(lhs):  # the left-hand side has no such instance
                    continue
                raise ShapeError(f"{exc} ({place})") from None
            try:
                right = evaluate(table, typing.rhs, env, budget)
            except Unfit as exc:
                if untyped:
                    continue
                raise ShapeError(f"the left-hand side exists but the right does not: {exc} "
                                 f"({_place(net.sizes, units)})") from None
            yield Instance(units, left, right)


def _place(sizes: tuple[int, ...], values: dict) -> str:
    """Where an instance is, as a report says it: "network 2,3,2, l = 2, i = 1"."""
    return f"network {','.join(map(str, sizes))}" + "".join(f", {k} = {v}" for k, v in values.items())


def _units(layer: int | str | None, net) -> range:
    """The values of an index of this type; an index typed by nothing runs over the widest layer."""
    if layer == SAMPLES:
        return net.samples
    if isinstance(layer, int) and 1 <= layer <= net.n_l:
        return net.units(layer)
    return range(1, max(net.sizes) + 1)


def _fixed_units(node: Node) -> bool:
    """Whether ``node`` names a unit by number (δ^2_3): it exists only on networks wide enough."""
    return any(isinstance(n, Sym) and any(isinstance(i, Num) for i in n.sub) for n in descendants(node))
