"""The hand-derived side: the seed's claims as a small table of named formulas.

A claim says what a derivative (its ``lhs``) equals, as a formula over a *view*
of the network: ``formula(v, l, i, j)`` returns the right-hand side for layer l
and units i, j (1-based, seed notation; j is None for vectors). The same formula
is evaluated on a symbolic view (engine expressions) and on a numeric view
(NumPy arrays over random draws), so a claim is written once.

A view offers, keyed as in the seed: ``v.W[l][i, j]``, ``v.b[l][i]``,
``v.z[l][i]``, ``v.a[l][i]``, ``v.x[j]``, ``v.y[i]``, ``v.delta[l][i]`` (the true
residual, so each claim is judged on its own), ``v.dJ_dW[k][l][i, j]`` and
``v.dJ_db[k][l][i]`` (the true per-sample gradients at sample k), ``v.lam``,
``v.m``, ``v.n_l``, ``v.s(l)``, ``v.units(l)``, ``v.samples``, ``v.f(t)``,
``v.fprime(t)`` and ``v.ops`` (the registry's functions where the view evaluates).

The six claims are the seed's for its model (squared loss, f in every layer); on another
model (``claims_for``) the output residual's formula and LaTeX come from the loss and the
output layer (derive.model.losses), and the other five stay as they are.

To check your own derivation, replace a claim's formula::

    claims = replace_claim(SEED_CLAIMS, "delta_output",
                           lambda v, l, i, j: (v.a[l][i] - v.y[i]) * v.fprime(v.z[l][i]))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING

from derive.errors import ClaimError
from derive.model.quantity import (
    BIAS_GRADIENT,
    BIAS_GRADIENT_SAMPLE,
    HIDDEN_RESIDUAL,
    OUTPUT_RESIDUAL,
    WEIGHT_GRADIENT,
    WEIGHT_GRADIENT_SAMPLE,
    Quantity,
)
from derive.primitives import total

if TYPE_CHECKING:
    from derive.model.losses import Loss, Output
    from derive.model.network import Network
    from derive.primitives import Activation

__all__ = ["Claim", "SEED_CLAIMS", "replace_claim", "claims_for"]


@dataclass(frozen=True)
class Claim:
    """One hand-derived formula: ``id``, the ``quantity`` it is about, its right-hand side as LaTeX, its formula."""

    id: str
    quantity: Quantity
    rhs_latex: str
    formula: Callable
    title: str = ""
    vector: str = ""  # the claim in vector form, as LaTeX ("" where its model has none)

    @property
    def latex(self) -> str:
        return f"{self.quantity.lhs} = {self.rhs_latex}"


SEED_CLAIMS: tuple[Claim, ...] = (
    Claim("delta_output", OUTPUT_RESIDUAL, r"-\left(y_i - a^{n_l}_i\right) f'\!\left(z^{n_l}_i\right)",
          lambda v, l, i, j: -(v.y[i] - v.a[l][i]) * v.fprime(v.z[l][i]), "Output residual",
          r"\delta^{n_l} = -\left(y - a^{n_l}\right) \odot f'\!\left(z^{n_l}\right)"),
    Claim("delta_hidden", HIDDEN_RESIDUAL,
          r"\left(\sum_{j=1}^{s_{l+1}} W^{l}_{ji}\, \delta^{l+1}_j\right) f'\!\left(z^{l}_i\right)",
          lambda v, l, i, j: total(v.W[l][k, i] * v.delta[l + 1][k] for k in v.units(l + 1)) * v.fprime(v.z[l][i]),
          "Hidden recurrence",
          r"\delta^{l} = \left(\left(W^{l}\right)^{T} \delta^{l+1}\right) \odot f'\!\left(z^{l}\right)"),
    Claim("grad_W_sample", WEIGHT_GRADIENT_SAMPLE, r"a^{l}_j\, \delta^{l+1}_i",
          lambda v, l, i, j: v.a[l][j] * v.delta[l + 1][i], "Per-sample weight gradient",
          r"\nabla_{W^{l}} J(W,b;x,y) = \delta^{l+1} \left(a^{l}\right)^{T}"),
    Claim("grad_b_sample", BIAS_GRADIENT_SAMPLE, r"\delta^{l+1}_i",
          lambda v, l, i, j: v.delta[l + 1][i], "Per-sample bias gradient",
          r"\nabla_{b^{l}} J(W,b;x,y) = \delta^{l+1}"),
    Claim("grad_W", WEIGHT_GRADIENT,
          r"\left[\frac{1}{m} \sum_{k=1}^{m} \frac{\partial}{\partial W^{l}_{ij}} J(W,b;x^{(k)},y^{(k)})\right]"
          r" + \lambda W^{l}_{ij}",
          lambda v, l, i, j: total(v.dJ_dW[k][l][i, j] for k in v.samples) / v.m + v.lam * v.W[l][i, j],
          "Full weight gradient",
          r"\nabla_{W^{l}} J(W,b) = \left[\frac{1}{m} \sum_{k=1}^{m} \nabla_{W^{l}} J(W,b;x^{(k)},y^{(k)})\right]"
          r" + \lambda W^{l}"),
    Claim("grad_b", BIAS_GRADIENT,
          r"\frac{1}{m} \sum_{k=1}^{m} \frac{\partial}{\partial b^{l}_{i}} J(W,b;x^{(k)},y^{(k)})",
          lambda v, l, i, j: total(v.dJ_db[k][l][i] for k in v.samples) / v.m, "Full bias gradient",
          r"\nabla_{b^{l}} J(W,b) = \frac{1}{m} \sum_{k=1}^{m} \nabla_{b^{l}} J(W,b;x^{(k)},y^{(k)})"),
)


def replace_claim(claims: tuple[Claim, ...], claim_id: str, formula: Callable, rhs_latex: str | None = None):
    """``claims`` with the formula of ``claim_id`` replaced, and its LaTeX (a placeholder if not given).

    >>> mine = replace_claim(SEED_CLAIMS, "grad_b_sample", lambda v, l, i, j: v.delta[l + 1][i])
    >>> [c.id for c in mine] == [c.id for c in SEED_CLAIMS]
    True
    """
    ids = [c.id for c in claims]
    if claim_id not in ids:
        raise ClaimError(f"no claim {claim_id!r} (claims: {', '.join(ids)})")
    return tuple(replace(c, formula=formula, rhs_latex=rhs_latex or r"\text{(your formula)}") if c.id == claim_id else c
                 for c in claims)


def claims_for(net: Network) -> tuple[Claim, ...]:
    """The six claims on the model of ``net``: ``SEED_CLAIMS`` on the seed's; otherwise the output residual
    people write for its loss and output layer (the same claim objects for the same model).

    >>> from derive.model.network import Network
    >>> claims_for(Network((2, 2), loss="categorical", output="softmax"))[0].rhs_latex
    'a^{n_l}_i - y_i'
    """
    return SEED_CLAIMS if net.seed_model else _claims(net.loss, net.output, net.activation)


@cache
def _claims(loss: Loss, output: Output, activation: Activation) -> tuple[Claim, ...]:
    from derive.model.losses import residual

    formula, tex = residual(loss, output, activation)
    vector = r"\delta^{n_l} = a^{n_l} - y" if tex == "a^{n_l}_i - y_i" else ""  # else: no vector form of it here
    return tuple(replace(c, formula=formula, rhs_latex=tex, vector=vector) if c.quantity is OUTPUT_RESIDUAL else c
                 for c in SEED_CLAIMS)
