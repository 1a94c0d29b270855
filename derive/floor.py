"""The NumPy floor of a check: a plain forward and backward pass over the same draws, written directly in
NumPy (einsum, tanh), with no symbols at all. No check of these gradients can cost less; ``derive bench``
prints derive's wall time against it."""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence

import numpy as np

__all__ = ["floor_seconds"]


def floor_seconds(sizes: Sequence[int], m: int, draws: int = 64, activations: int = 4, repeat: int = 3) -> float:
    """Seconds of one forward and backward pass per activation over ``draws`` draws of every sample (m of them
    plus the sample (x, y)), with the gradients of W and b averaged over the samples; the least of ``repeat``."""
    rng = np.random.default_rng(0)
    pairs = list(itertools.pairwise(sizes))
    W = [rng.standard_normal((out, into, draws)) for into, out in pairs]
    b = [rng.standard_normal((out, 1, draws)) for _, out in pairs]
    x = rng.standard_normal((sizes[0], m + 1, draws))
    y = rng.uniform(size=(sizes[-1], m + 1, draws))
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(activations):
            _backprop(W, b, x, y)
        best = min(best, time.perf_counter() - start)
    return best


def _backprop(W: list, b: list, x: np.ndarray, y: np.ndarray) -> list:
    """∂J/∂W^l and ∂J/∂b^l of the squared loss with f = tanh, averaged over the samples (axis 1)."""
    a, fprime = [x], []
    for w, c in zip(W, b):
        a.append(np.tanh(np.einsum("ijd,jkd->ikd", w, a[-1]) + c))
        fprime.append(1 - a[-1] ** 2)
    delta = (a[-1] - y) * fprime[-1]
    grads = []
    for l in range(len(W) - 1, -1, -1):
        grads.append((np.einsum("ikd,jkd->ijd", delta, a[l]) / x.shape[1], delta.mean(axis=1)))
        if l:
            delta = np.einsum("jid,jkd->ikd", W[l], delta) * fprime[l - 1]
    return grads
