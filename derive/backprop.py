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
``v.m``, ``v.n_l``, ``v.s(l)``, ``v.units(l)``, ``v.samples``, ``v.f(t)`` and
``v.fprime(t)``.

To check your own derivation, replace a claim's formula::

    claims = replace_claim(SEED_CLAIMS, "delta_output",
                           lambda v, l, i, j: (v.a[l][i] - v.y[i]) * v.fprime(v.z[l][i]))
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterator

from derive.errors import ClaimError

__all__ = ["Claim", "SEED_CLAIMS", "LHS", "replace_claim", "entries", "entry_label", "entry_latex"]

# What each claim's left-hand side is, written in the seed's notation.
LHS = {
    "delta_output": r"\delta^{n_l}_i",
    "delta_hidden": r"\delta^{l}_i",
    "grad_W_sample": r"\frac{\partial}{\partial W^{l}_{ij}} J(W,b;x,y)",
    "grad_b_sample": r"\frac{\partial}{\partial b^{l}_{i}} J(W,b;x,y)",
    "grad_W": r"\frac{\partial}{\partial W^{l}_{ij}} J(W,b)",
    "grad_b": r"\frac{\partial}{\partial b^{l}_{i}} J(W,b)",
}


@dataclass(frozen=True)
class Claim:
    """One hand-derived formula: ``id``, what it is the derivative of (``lhs``), its LaTeX, its formula."""

    id: str
    lhs: str
    rhs_latex: str
    formula: Callable
    title: str = ""

    @property
    def latex(self) -> str:
        return f"{LHS[self.lhs]} = {self.rhs_latex}"


SEED_CLAIMS: tuple[Claim, ...] = (
    Claim("delta_output", "delta_output", r"-\left(y_i - a^{n_l}_i\right) f'\!\left(z^{n_l}_i\right)",
          lambda v, l, i, j: -(v.y[i] - v.a[l][i]) * v.fprime(v.z[l][i]), "Output residual"),
    Claim("delta_hidden", "delta_hidden",
          r"\left(\sum_{j=1}^{s_{l+1}} W^{l}_{ji}\, \delta^{l+1}_j\right) f'\!\left(z^{l}_i\right)",
          lambda v, l, i, j: sum(v.W[l][k, i] * v.delta[l + 1][k] for k in v.units(l + 1)) * v.fprime(v.z[l][i]),
          "Hidden recurrence"),
    Claim("grad_W_sample", "grad_W_sample", r"a^{l}_j\, \delta^{l+1}_i",
          lambda v, l, i, j: v.a[l][j] * v.delta[l + 1][i], "Per-sample weight gradient"),
    Claim("grad_b_sample", "grad_b_sample", r"\delta^{l+1}_i",
          lambda v, l, i, j: v.delta[l + 1][i], "Per-sample bias gradient"),
    Claim("grad_W", "grad_W",
          r"\left[\frac{1}{m} \sum_{k=1}^{m} \frac{\partial}{\partial W^{l}_{ij}} J(W,b;x^{(k)},y^{(k)})\right]"
          r" + \lambda W^{l}_{ij}",
          lambda v, l, i, j: sum(v.dJ_dW[k][l][i, j] for k in v.samples) / v.m + v.lam * v.W[l][i, j],
          "Full weight gradient"),
    Claim("grad_b", "grad_b",
          r"\frac{1}{m} \sum_{k=1}^{m} \frac{\partial}{\partial b^{l}_{i}} J(W,b;x^{(k)},y^{(k)})",
          lambda v, l, i, j: sum(v.dJ_db[k][l][i] for k in v.samples) / v.m, "Full bias gradient"),
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


def entries(lhs: str, sizes: tuple[int, ...]) -> Iterator[tuple[int, int, int | None]]:
    """Every (l, i, j) a claim about ``lhs`` covers, 1-based, in reading order."""
    n_l = len(sizes)
    units = lambda l: range(1, sizes[l - 1] + 1)  # noqa: E731
    if lhs == "delta_output":
        yield from ((n_l, i, None) for i in units(n_l))
    elif lhs == "delta_hidden":
        yield from ((l, i, None) for l in range(n_l - 1, 1, -1) for i in units(l))
    elif lhs in ("grad_W_sample", "grad_W"):
        yield from ((l, i, j) for l in range(1, n_l) for i in units(l + 1) for j in units(l))
    elif lhs in ("grad_b_sample", "grad_b"):
        yield from ((l, i, None) for l in range(1, n_l) for i in units(l + 1))
    else:
        raise ClaimError(f"unknown left-hand side {lhs!r} (known: {', '.join(LHS)})")


def entry_label(lhs: str, l: int, i: int, j: int | None) -> str:
    """The entry in seed notation, e.g. δ^3_2 or ∂J(W,b)/∂W^1_{2,1}."""
    if lhs.startswith("delta"):
        return f"δ^{l}_{i}"
    per = "(W,b;x,y)" if lhs.endswith("sample") else "(W,b)"
    return f"∂J{per}/∂W^{l}_{{{i},{j}}}" if lhs.startswith("grad_W") else f"∂J{per}/∂b^{l}_{i}"


def entry_latex(lhs: str, l: int, i: int, j: int | None) -> str:
    """The same entry as LaTeX, e.g. ``\\delta^{3}_{2}``."""
    if lhs.startswith("delta"):
        return rf"\delta^{{{l}}}_{{{i}}}"
    per = "(W,b;x,y)" if lhs.endswith("sample") else "(W,b)"
    wrt = rf"W^{{{l}}}_{{{i},{j}}}" if lhs.startswith("grad_W") else rf"b^{{{l}}}_{{{i}}}"
    return rf"\partial J{per} / \partial {wrt}"
