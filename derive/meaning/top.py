"""What the output layer hides when it is a window's top: the loss and the output layer, as formulas.

The all-widths bound (derive.meaning.fragment) counts the sums a quantity hides. At the
output they depend on the model: δ^{n_l}_i is the residual people write for the loss and
output layer, ∂J/∂a^{n_l}_k the loss's own derivative; a softmax output hides a division by
Σ_k e^{z_k} in every a^{n_l}_i, and targets that are a distribution a division by Σ_k y_k
(docs/all-widths.md, §5).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from derive.model import losses
from derive.reader.ast import Node
from derive.reader.parse import parse_expression

__all__ = ["Top", "SEED_TOP", "top_of"]


@dataclass(frozen=True)
class Top:
    """``delta``: δ^{n_l}_i written out; ``da``: ∂J/∂a^{n_l}_k written out (None: nothing hidden)."""

    softmax: bool = False
    distribution: bool = False
    delta: Node | None = None
    da: Node | None = None

    @property
    def clears(self) -> bool:
        """Whether its denominators with sums may be cleared: softmax's Σ_k e^{z_k} never vanishes."""
        return self.softmax or self.distribution


SEED_TOP = Top()


@cache
def top_of(loss: losses.Loss, output: losses.Output, activation) -> Top:
    """The top of a network with this loss, output layer and hidden activation."""
    _, delta = losses.residual(loss, output, activation)
    da = parse_expression(losses.written_da(loss, "k"))
    return Top(output.coupled, loss.distribution, parse_expression(delta), da)
