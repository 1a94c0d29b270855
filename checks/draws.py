"""Random values of every symbol of a network, one column per draw, for the numeric checks.

Defaults: W^l ~ N(0, 1/s_l), b, x ~ N(0, 1), y ~ U(0, 1) (a uniform draw from the simplex,
Dirichlet(1, …, 1), when the loss wants a distribution), λ ~ U(0.1, 1) when λ is symbolic; the
seed fixes every draw. With an activation that has a kink (relu at 0), a draw where some
pre-activation z^l_i, of any sample, lies within KINK_MARGIN of 0 is drawn again (W, b and x).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from derive.errors import ClaimError, SpecError
from derive.model.network import Network
from derive.primitives import kinked, ops

__all__ = ["Draws", "draw", "columns", "free_lambda", "OneBased", "LAMBDA_RANGE", "KINK_MARGIN"]

LAMBDA_RANGE = (0.1, 1.0)
KINK_MARGIN = 1e-3  # |z^l_i| at least this when an activation has a kink at 0: no derivative there
MAX_REDRAWS = 100


@dataclass(frozen=True)
class Draws:
    """Random values of every symbol, one column per draw: ``W[l]`` is (s_{l+1}, s_l, draws)."""

    W: dict
    b: dict
    x: dict  # sample k (None: the sample (x, y)) -> (s_1, draws)
    y: dict
    lam: np.ndarray
    count: int
    seed: int


def draw(net: Network, count: int, seed: int) -> Draws:
    """``count`` random draws: W ~ N(0, 1/s_l), b, x ~ N(0, 1), y ~ U(0, 1), λ ~ U(0.1, 1) unless fixed."""
    rng = np.random.default_rng(seed)
    W = {l: rng.standard_normal((net.s(l + 1), net.s(l), count)) / np.sqrt(net.s(l)) for l in range(1, net.n_l)}
    b = {l: rng.standard_normal((net.s(l + 1), count)) for l in range(1, net.n_l)}
    keys = (None, *net.samples)
    x = {k: rng.standard_normal((net.s(1), count)) for k in keys}
    y = {k: rng.dirichlet(np.ones(net.s(net.n_l)), count).T if net.loss.distribution
         else rng.uniform(0.0, 1.0, (net.s(net.n_l), count)) for k in keys}
    lam = rng.uniform(*LAMBDA_RANGE, count) if net.lam is None else np.full(count, float(net.lam))
    if any(kinked(a) for a in (*net.tested, net.output.activation) if a is not None):
        _away_from_kinks(net, rng, W, b, x, count)
    return Draws(W, b, x, y, lam, count, seed)


def _away_from_kinks(net: Network, rng: np.random.Generator, W: dict, b: dict, x: dict, count: int) -> None:
    """Draw W, b and x again, in place, where a pre-activation of some sample is within KINK_MARGIN of 0."""
    np_ops = ops("numpy")
    for _ in range(MAX_REDRAWS):
        near = np.zeros(count, dtype=bool)
        for act in net.tested:
            for a in x.values():
                for l in range(1, net.n_l):
                    z = np.einsum("ijd,jd->id", W[l], a) + b[l]
                    near |= (np.abs(z) < KINK_MARGIN).any(axis=0)
                    a = np_ops.lift(act.f(z, np_ops), z)
        n = int(near.sum())
        if not n:
            return
        for l in range(1, net.n_l):
            W[l][:, :, near] = rng.standard_normal((net.s(l + 1), net.s(l), n)) / np.sqrt(net.s(l))
            b[l][:, near] = rng.standard_normal((net.s(l + 1), n))
        for k in x:
            x[k][:, near] = rng.standard_normal((net.s(1), n))
    raise SpecError(f"no draw keeps every pre-activation {KINK_MARGIN:g} away from the kink at 0")


def free_lambda(net: Network) -> list:
    """[λ] when λ is symbolic, else []: the symbols λ adds to a function's arguments."""
    return [net.lam_symbol] if net.lam is None else []


def columns(net: Network, dr: Draws, args: list, samples: tuple = (None,)) -> np.ndarray:
    """The drawn values of the symbols ``args``, one row each, for each of ``samples`` side by side: the
    network's x and y read at that sample (None: the sample (x, y) itself). An (args × samples·draws) array."""
    values = {}
    for l in range(1, net.n_l):
        values.update({w: dr.W[l][i - 1, j - 1] for (i, j), w in net.W[l].items()})
        values.update({s: dr.b[l][i - 1] for i, s in net.b[l].items()})
    for k in (None, *net.samples):  # (the last y of a distribution is no symbol: never an argument)
        values.update({s: dr.x[k][j - 1] for j, s in net.x(k).items()})
        values.update({s: dr.y[k][i - 1] for i, s in net.y(k).items()})
    values.update({s: dr.lam for s in free_lambda(net)})
    missing = [a for a in args if a not in values]
    if missing:
        raise ClaimError(f"no value is drawn for {missing[0]}")
    x, y = net.x(), net.y()
    out = np.empty((len(args), len(samples), dr.count))
    for n, k in enumerate(samples):
        here = {} if k is None else {**{s: dr.x[k][j - 1] for j, s in x.items()},
                                     **{s: dr.y[k][i - 1] for i, s in y.items()}}
        out[:, n] = [np.broadcast_to(here.get(a, values[a]), (dr.count,)) for a in args]
    return out.reshape(len(args), -1)


class OneBased:
    """A NumPy array indexed like the seed (1-based units); the last axis is the draw."""

    def __init__(self, name: str, array: np.ndarray):
        self.name, self.array = name, array

    def __getitem__(self, key):
        key = key if isinstance(key, tuple) else (key,)
        if len(key) != self.array.ndim - 1 or any(not 1 <= k <= n for k, n in zip(key, self.array.shape)):
            raise ClaimError(f"{self.name}_{{{','.join(map(str, key))}}} does not exist in this network")
        return self.array[tuple(k - 1 for k in key)]
