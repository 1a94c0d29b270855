"""Notation remarks: slips that do not change the mathematics, said as such and never counted as failures.

The evaluator returns them with a row's value (derive.meaning.evaluator.Reading);
nothing accumulates them across rows.
"""

from __future__ import annotations

from derive.reader.ast import Sym

__all__ = ["sample_and_unit", "bias_dropped"]


def sample_and_unit(index: str) -> str:
    """The seed's full-gradient formula: i is the sample of the sum over i = 1..m and a unit outside it."""
    return (f"the index {index} stands for both the sample (the sum over {index} = 1..m) and a unit outside it; "
            "read as two different indices")


def bias_dropped(wrt: Sym) -> str:
    """The seed's hidden-layer step: ∂z^{l+1}_j/∂z^l_i with z^{l+1}_j written without its bias."""
    layer = str(wrt.sup)
    above = layer[:-4] if layer.endswith(" - 1") else f"{layer}+1"
    return (f"differentiates z_j^{{{above}}} written without its bias b_j^{{{layer}}}: equal only because the bias "
            f"does not depend on {wrt}")
