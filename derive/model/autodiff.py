"""The automatic derivatives of the loss, written with the heads f and f', keyed in seed notation.

Each engine differentiates in its own way (derive.model.engines); both fill the
same ``Derivatives``, so everything downstream reads one shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from derive.model.quantity import Quantity

if TYPE_CHECKING:
    from derive.model.network import Network

__all__ = ["Derivatives", "differentiate"]


@dataclass(frozen=True)
class Derivatives:
    """Every automatic derivative the claims speak of.

    ``within[l][k][i]`` is δ^k_i (k ≥ l) in the network cut at layer l, a function of
    the fresh symbols z^l (``within[l][l]`` is δ^l itself, as ∂J/∂z^l). ``at[s]`` holds the
    derivatives of J(W,b;x,y) at sample s (None: the sample (x, y)) by what they are
    taken with respect to: ``at[s]["z"][l][i]`` = δ^l_i, ``at[s]["W"][l][i, j]``,
    ``at[s]["b"][l][i]``. ``full["W"]`` and ``full["b"]`` are those of J(W,b).
    """

    net: Network
    within: dict
    at: dict
    full: dict

    def table(self, q: Quantity) -> dict:
        """Layer -> entry -> expression of ``q`` in the uncut network (at the sample (x, y) when per sample)."""
        return (self.at[None] if q.per_sample else self.full)[q.wrt]

    def automatic(self, q: Quantity, l: int, i: int, j: int | None):
        """The true value of the entry (l, i, j) of ``q``: in the network cut at l when ``q.cut``."""
        table = self.within[l] if q.cut else self.table(q)
        return table[l][i if j is None else (i, j)]


def differentiate(net: Network) -> Derivatives:
    """Differentiate the loss cut at each layer, the loss of each sample, and J(W,b), with ``net``'s engine."""
    return net.eng.differentiate(net)
