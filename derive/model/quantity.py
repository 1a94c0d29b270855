"""What a claim is about: one derivative of the loss, with its entries, label, LaTeX and cut layer.

The seed speaks of six: the output and hidden residuals δ^l_i = ∂J(W,b;x,y)/∂z^l_i,
and the weight and bias gradients of J(W,b;x,y) (per sample) and of J(W,b).
Everything that depends on which one a claim is about reads these attributes;
nothing tests a claim's id.

>>> [QUANTITIES[0].label_of(4, 2, None), list(WEIGHT_GRADIENT.entries((2, 3)))[:2]]
['δ^4_2', [(1, 1, 1), (1, 1, 2)]]
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

__all__ = ["Quantity", "OUTPUT_RESIDUAL", "HIDDEN_RESIDUAL", "WEIGHT_GRADIENT_SAMPLE", "BIAS_GRADIENT_SAMPLE",
           "WEIGHT_GRADIENT", "BIAS_GRADIENT", "QUANTITIES"]


@dataclass(frozen=True)
class Quantity:
    """One derivative of a loss, entry by entry (1-based layers and units, seed notation).

    ``wrt``: what the loss is differentiated by (z: a residual; W; b). ``per_sample``: the loss
    of one sample J(W,b;x,y), else J(W,b). ``cut``: checked in the network cut at its layer
    (z^l fresh), so that a residual is judged as ∂J/∂z^l itself. ``units``: the layers, relative
    to l, whose units index an entry (W^l_ij: i in layer l+1, j in layer l). ``label`` and
    ``tex`` format one entry from l, i, j.
    """

    name: str
    lhs: str
    wrt: str
    per_sample: bool
    layers: Callable[[int], range]
    units: tuple[int, ...]
    label: str
    tex: str
    cut: bool = False

    def entries(self, sizes: tuple[int, ...]) -> Iterator[tuple[int, int, int | None]]:
        """Every (l, i, j) of this quantity on a network of these widths, in reading order (j None for vectors)."""
        for l in self.layers(len(sizes)):
            ranges = [range(1, sizes[l + offset - 1] + 1) for offset in self.units]
            for key in itertools.product(*ranges):
                yield (l, key[0], key[1] if len(key) > 1 else None)

    def label_of(self, l: int, i: int, j: int | None) -> str:
        """The entry in seed notation, e.g. δ^3_2 or ∂J(W,b)/∂W^1_{2,1}."""
        return self.label.format(l=l, i=i, j=j)

    def tex_of(self, l: int, i: int, j: int | None) -> str:
        """The entry as LaTeX, e.g. ``\\delta^{3}_{2}``."""
        return self.tex.format(l=l, i=i, j=j)


def _residual(name: str, lhs: str, layers: Callable[[int], range]) -> Quantity:
    """δ^l_i = ∂J(W,b;x,y)/∂z^l_i, judged in the network cut at layer l."""
    return Quantity(name, lhs, "z", True, layers, (0,), "δ^{l}_{i}", r"\delta^{{{l}}}_{{{i}}}", cut=True)


def _gradient(name: str, wrt: str, per_sample: bool) -> Quantity:
    """∂J/∂W^l_ij or ∂J/∂b^l_i (i in layer l+1, j in layer l) of the per-sample loss or of J(W,b)."""
    loss = "J(W,b;x,y)" if per_sample else "J(W,b)"
    weight = wrt == "W"
    units, label, tex = ((1, 0), "{{{i},{j}}}", "{{{i},{j}}}") if weight else ((1,), "{i}", "{{{i}}}")
    return Quantity(name, rf"\frac{{\partial}}{{\partial {wrt}^{{l}}_{{{'ij' if weight else 'i'}}}}} {loss}", wrt,
                    per_sample, lambda n_l: range(1, n_l), units, f"∂{loss}/∂{wrt}^{{l}}_" + label,
                    rf"\partial {loss} / \partial {wrt}^{{{{{{l}}}}}}_" + tex)


OUTPUT_RESIDUAL = _residual("output residual", r"\delta^{n_l}_i", lambda n_l: range(n_l, n_l + 1))
HIDDEN_RESIDUAL = _residual("hidden residual", r"\delta^{l}_i", lambda n_l: range(n_l - 1, 1, -1))
WEIGHT_GRADIENT_SAMPLE = _gradient("per-sample weight gradient", "W", per_sample=True)
BIAS_GRADIENT_SAMPLE = _gradient("per-sample bias gradient", "b", per_sample=True)
WEIGHT_GRADIENT = _gradient("weight gradient", "W", per_sample=False)
BIAS_GRADIENT = _gradient("bias gradient", "b", per_sample=False)
QUANTITIES = (OUTPUT_RESIDUAL, HIDDEN_RESIDUAL, WEIGHT_GRADIENT_SAMPLE, BIAS_GRADIENT_SAMPLE, WEIGHT_GRADIENT,
              BIAS_GRADIENT)
