"""Automatic derivatives of the loss, written with the heads f and f'.

The engine differentiates the nested loss itself (``expr.diff``). It writes the
derivative of an undefined f as ``Subs(Derivative(f(ξ), ξ), ξ, e)`` or
``Derivative(f(e), e)`` depending on e; both become ``f'(e)`` here, so that the
automatic side and a hand-derived formula speak the same language.
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.engine import Engine
from derive.loss import full_loss, sample_loss
from derive.network import Forward, Network, forward

__all__ = ["Derivatives", "differentiate", "with_fprime"]


def with_fprime(eng: Engine, expr):
    """``expr`` with every first derivative of f written as f'(argument)."""
    xp, swap = eng.xp, {}
    for d in expr.atoms(xp.Subs):
        inner = d.expr
        if isinstance(inner, xp.Derivative) and eng.head(inner.expr) == "f" and len(inner.variables) == 1:
            swap[d] = eng.fprime(with_fprime(eng, d.point[0]))
    for d in expr.atoms(xp.Derivative):
        if d not in swap and eng.head(d.expr) == "f" and len(d.variables) == 1 and d.expr.args[0] == d.variables[0]:
            swap[d] = eng.fprime(d.variables[0])
    return expr.xreplace(swap) if swap else expr


@dataclass(frozen=True)
class Derivatives:
    """Every automatic derivative the seed's claims speak of, keyed in seed notation.

    ``delta[l][i]`` is ∂J(W,b;x,y)/∂z^l_i in the network cut at layer l (a function
    of the fresh symbols z^l); ``dW_sample[l][i, j]``, ``db_sample[l][i]`` are the
    per-sample gradients at (x, y); ``dW[l][i, j]``, ``db[l][i]`` those of J(W,b).
    """

    net: Network
    sample: Forward
    delta: dict
    dW_sample: dict
    db_sample: dict
    dW: dict
    db: dict


def _grad(net: Network, J) -> tuple[dict, dict]:
    d = lambda p: with_fprime(net.eng, J.diff(p))  # noqa: E731
    return ({l: {ij: d(w) for ij, w in net.W[l].items()} for l in net.W},
            {l: {i: d(bi) for i, bi in net.b[l].items()} for l in net.b})


def differentiate(net: Network) -> Derivatives:
    """Differentiate the per-sample loss, the loss cut at each layer, and J(W,b)."""
    y, sample = net.y(), forward(net, net.x())
    delta = {}
    for l in range(2, net.n_l + 1):
        cut = forward(net, cut=l)
        J = sample_loss(net, cut, y)
        delta[l] = {i: with_fprime(net.eng, J.diff(zi)) for i, zi in cut.z[l].items()}
    dW_sample, db_sample = _grad(net, sample_loss(net, sample, y))
    dW, db = _grad(net, full_loss(net))
    return Derivatives(net, sample, delta, dW_sample, db_sample, dW, db)
