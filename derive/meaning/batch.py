"""The quantities of one sample: a^{(l)(k)}, z^{(l)(k)} and δ^{(l)(k)}, the columns of the batch form.

Column k of A^{(l)} is a^l in the forward pass of sample k, (x^{(k)}, y^{(k)}); of Δ^{(l)} the residual
∂J(W,b;x^{(k)},y^{(k)})/∂z^l of that sample. They are read in the uncut network only: under a derivative
with respect to z or a the cut network has no samples.
"""

from __future__ import annotations

from derive.errors import NotUnderstood
from derive.meaning.symbols import PARAMETERS, Cut, SymbolTable

__all__ = ["sample_layer"]


def sample_layer(table: SymbolTable, name: str, l: int, k: int | None, cut: Cut) -> dict:
    """W^l, b^l, or z^l, a^l, δ^l (by unit) — of sample k when ``k`` is given. Raises Unfit where layer l does not
    exist, NotUnderstood for a parameter of a sample or a sample under a derivative by z or a."""
    layer = table.layer(name, l, cut)
    if k is None:
        return layer
    if name in PARAMETERS:
        raise NotUnderstood(f"{name}^{l} is a parameter: it has no sample ({k})")
    if cut != Cut():
        raise NotUnderstood(f"the quantities of sample {k} are not read while differentiating with respect to {cut}")
    if name == "delta":
        return table.derivatives.at[k]["z"][l]  # ∂J(W,b;x^{(k)},y^{(k)})/∂z^l
    world = table.world(1, k)
    return world.a[l] if name == "a" else world.z[l]
