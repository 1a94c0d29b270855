"""Activation functions: each carries f and the f' people write, side by side.

The symbolic engine works with two undefined heads, ``f`` and ``fprime`` (printed
f'), so that a passed check with ``generic`` proves a claim for every
differentiable activation. A concrete activation says how to read those heads:
``f_of(t, xp)`` as an expression of engine ``xp`` (SymPy or symengine) and
``fprime_of_a(a, t, xp)``, the derivative as people write it, in terms of the
unit's output a = f(t) (sigmoid a(1-a), tanh 1-a²) or of t where that is the
usual form (softplus: the logistic function of t).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from derive.errors import SpecError

__all__ = ["Activation", "ACTIVATIONS", "CONCRETE", "activation"]


@dataclass(frozen=True)
class Activation:
    """One activation: its name, f(t) and the written f' in terms of a = f(t) (and t).

    ``f_of`` and ``fprime_of_a`` are None for ``generic``, whose f is undefined.
    """

    name: str
    latex: str
    f_of: Callable | None
    fprime_of_a: Callable | None
    np_f: Callable[[np.ndarray], np.ndarray] | None
    np_fprime_of_a: Callable[[np.ndarray, np.ndarray], np.ndarray] | None

    @property
    def generic(self) -> bool:
        return self.f_of is None


def _sigmoid(t):
    return 1 / (1 + np.exp(-t))


ACTIVATIONS = {
    a.name: a
    for a in (
        Activation("generic", r"f \text{ (any differentiable function)}", None, None, None, None),
        Activation(
            "sigmoid", r"f(z) = \frac{1}{1+e^{-z}},\ f'(z) = a(1-a)",
            lambda t, xp: 1 / (1 + xp.exp(-t)), lambda a, t, xp: a * (1 - a),
            _sigmoid, lambda a, t: a * (1 - a),
        ),
        Activation(
            "tanh", r"f(z) = \tanh z,\ f'(z) = 1-a^2",
            lambda t, xp: xp.tanh(t), lambda a, t, xp: 1 - a**2,
            np.tanh, lambda a, t: 1 - a**2,
        ),
        Activation(
            "softplus", r"f(z) = \log(1+e^{z}),\ f'(z) = \frac{1}{1+e^{-z}}",
            lambda t, xp: xp.log(1 + xp.exp(t)), lambda a, t, xp: 1 / (1 + xp.exp(-t)),
            lambda t: np.logaddexp(0.0, t), lambda a, t: _sigmoid(t),
        ),
        Activation(
            "identity", r"f(z) = z,\ f'(z) = 1",
            lambda t, xp: t, lambda a, t, xp: xp.Integer(1),
            lambda t: t, lambda a, t: np.ones_like(t),
        ),
    )
}

CONCRETE = tuple(a for a in ACTIVATIONS.values() if not a.generic)


def activation(name: str) -> Activation:
    """The activation called ``name``; raises SpecError naming the known ones."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise SpecError(f"unknown activation {name!r} (known: {', '.join(ACTIVATIONS)})") from None
