"""Automatic derivatives of the loss, written with the heads f and f'.

Two independent ways, by engine. symengine: reverse-mode automatic
differentiation over the loss's expression DAG (derive.reverse), fast and
compact. SymPy, the reference: ``sympy.diff`` of the nested loss, which writes
the derivative of an undefined f as ``Subs(Derivative(f(ξ), ξ), ξ, e)`` or
``Derivative(f(e), e)`` depending on e; both become ``f'(e)`` here, so that the
automatic side and a hand-derived formula speak the same language.
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.engine import Engine
from derive.loss import full_loss, sample_loss
from derive.network import Network
from derive.reverse import gradient

__all__ = ["Derivatives", "AtSample", "differentiate", "derivatives", "with_fprime"]


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
class AtSample:
    """The automatic derivatives at one sample in the uncut network, keyed in seed notation:
    ``delta[l][i]`` = ∂J(W,b;x,y)/∂z^l_i, ``dW[l][i, j]``, ``db[l][i]``."""

    delta: dict
    dW: dict
    db: dict


@dataclass(frozen=True)
class Derivatives:
    """Every automatic derivative the seed's claims speak of, keyed in seed notation.

    ``delta[l][i]`` is ∂J(W,b;x,y)/∂z^l_i in the network cut at layer l (a function
    of the fresh symbols z^l), and ``within[l][k][i]`` is δ^k_i (k ≥ l) in that same
    cut network; ``at[s]`` holds δ and the per-sample gradients at sample s
    (``at[None]``: the sample (x, y)); ``dW[l][i, j]``, ``db[l][i]`` are the
    gradients of J(W,b).
    """

    net: Network
    delta: dict
    within: dict
    at: dict
    dW: dict
    db: dict

    @property
    def dW_sample(self) -> dict:
        return self.at[None].dW

    @property
    def db_sample(self) -> dict:
        return self.at[None].db


def derivatives(eng: Engine, J, wrt) -> dict:
    """∂J/∂s for each s of ``wrt`` (symbols, or with symengine also subexpressions), written with f'."""
    if eng.name == "symengine":
        return gradient(eng, J, wrt)
    return {s: with_fprime(eng, J.diff(s)) for s in wrt}


def _by_layer(net: Network, d: dict) -> tuple[dict, dict]:
    return ({l: {ij: d[w] for ij, w in net.W[l].items()} for l in net.W},
            {l: {i: d[bi] for i, bi in net.b[l].items()} for l in net.b})


def _read_in(delta_k: dict, zeta: dict, z: dict) -> dict:
    """δ^k (a function of the fresh z^k) where z^k is ``z``."""
    swap = {zeta[u]: z[u] for u in zeta}
    return {i: e.xreplace(swap) for i, e in delta_k.items()}


def _at_sample(net: Network, k: int | None, delta: dict, reference: AtSample | None) -> AtSample:
    """Derivatives at sample k: one reverse pass (δ is the adjoint of each z^l_i), or, with
    SymPy, the cut derivatives and the (x, y) gradients read at this sample."""
    fw = net.world(k)
    if net.eng.name == "symengine":
        z_nodes = [z for l in range(2, net.n_l + 1) for z in fw.z[l].values()]
        d = derivatives(net.eng, sample_loss(net, fw, net.y(k)), [*net.parameters, *z_nodes])
        return AtSample({l: {i: d[z] for i, z in fw.z[l].items()} for l in range(2, net.n_l + 1)},
                        *_by_layer(net, d))
    at = {l: _read_in(delta[l], net.zeta(l), fw.z[l]) for l in delta}
    if reference is None:
        return AtSample(at, *_by_layer(net, derivatives(net.eng, sample_loss(net, fw, net.y()), net.parameters)))
    swap = {**dict(zip(net.x().values(), net.x(k).values())), **dict(zip(net.y().values(), net.y(k).values()))}
    read = lambda g: {l: {key: e.xreplace(swap) for key, e in v.items()} for l, v in g.items()}  # noqa: E731
    return AtSample(at, read(reference.dW), read(reference.db))


def differentiate(net: Network) -> Derivatives:
    """Differentiate the loss cut at each layer, the loss of each sample, and J(W,b)."""
    layers = range(2, net.n_l + 1)
    within = {}
    for l in layers:
        cut = net.world(cut=l)
        # symengine: one reverse pass gives δ^k for every k ≥ l, on this cut network's own nodes
        above = [k for k in layers if k >= l] if net.eng.name == "symengine" else [l]
        d = derivatives(net.eng, sample_loss(net, cut, net.y()), [z for k in above for z in cut.z[k].values()])
        within[l] = {k: {i: d[z] for i, z in cut.z[k].items()} for k in above}
    delta = {l: within[l][l] for l in layers}
    for l in layers:  # SymPy: δ^k read in the network cut at l by substituting its z^k
        within[l].update({k: _read_in(delta[k], net.zeta(k), net.world(cut=l).z[k])
                          for k in layers if k > l and k not in within[l]})
    at = {None: _at_sample(net, None, delta, None)}
    at.update({k: _at_sample(net, k, delta, at[None]) for k in net.samples})
    dW, db = _by_layer(net, derivatives(net.eng, full_loss(net), net.parameters))
    return Derivatives(net, delta, within, at, dW, db)
