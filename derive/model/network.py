"""A fully connected network in the seed's notation: symbols W^l, b^l, x, y and the forward pass.

Layers are numbered 1..n_l as in the seed (layer 1 is the input); every
mapping here is keyed by those 1-based numbers: ``W[l][i, j]`` is W^l_ij,
the weight from unit j of layer l to unit i of layer l+1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

from derive.errors import ClaimError, SpecError
from derive.model import losses
from derive.model.engines import Engine, engine
from derive.model.losses import Loss, Output
from derive.primitives import GENERIC, Activation, activation, total

__all__ = ["Network", "Forward", "forward", "Indexed"]


class Indexed(dict):
    """A dict keyed by 1-based unit numbers whose missing keys name the quantity, e.g. W^3_{3,1}."""

    def __init__(self, name: str, items):
        super().__init__(items)
        self.name = name

    def __missing__(self, key):
        sub = ",".join(map(str, key)) if isinstance(key, tuple) else key
        raise ClaimError(f"{self.name}_{{{sub}}} does not exist in this network")


@dataclass(frozen=True)
class Forward:
    """z^l and a^l of a forward pass, keyed ``z[l][i]``; layers below ``start`` are absent."""

    z: dict
    a: dict
    start: int


@dataclass(frozen=True)
class Network:
    """The spec (layer sizes, activation, samples m, λ, engine, loss, output layer) and its symbols.

    ``lam`` is None for the symbol λ (the default), else a number (0: no L2). ``loss`` and ``output``
    are entries of derive.model.losses or their names (the seed's: squared loss, output f as the hidden
    layers'); a loss whose targets are a distribution writes the last y as 1 minus the others.

    >>> net = Network((2, 3, 2))
    >>> net.n_l, net.W[1][3, 2]
    (3, W^1_{3,2})
    """

    sizes: tuple[int, ...]
    activation: Activation = field(default_factory=lambda: activation(GENERIC))
    m: int = 2
    lam: int | float | Fraction | None = None
    engine: str = "symengine"
    loss: Loss = field(default_factory=lambda: losses.loss("squared"))
    output: Output = field(default_factory=lambda: losses.output(None))

    def __post_init__(self):
        sizes = tuple(self.sizes)
        if len(sizes) < 2:
            raise SpecError(f"a network needs at least two layers, got {len(sizes)}")
        for l, s in enumerate(sizes, 1):
            if not isinstance(s, int) or isinstance(s, bool) or s < 1:
                raise SpecError(f"layer {l} has width {s}; every width must be a whole number ≥ 1")
        if not isinstance(self.m, int) or isinstance(self.m, bool) or self.m < 1:
            raise SpecError(f"the number of samples m must be a whole number ≥ 1, got {self.m}")
        if isinstance(self.activation, str):
            object.__setattr__(self, "activation", activation(self.activation))
        if self.lam is not None and (not isinstance(self.lam, (int, float, Fraction)) or isinstance(self.lam, bool)
                                     or not math.isfinite(self.lam)):
            raise SpecError(f"λ must be a finite number or None (symbolic), got {self.lam!r}")
        object.__setattr__(self, "sizes", sizes)
        engine(self.engine)
        object.__setattr__(self, "loss", losses.loss(self.loss))
        object.__setattr__(self, "output", losses.output(self.output))
        if not losses.admits(self.loss, self.output, self.activation) or not self.tested:
            given = self.activation.name if self.output is losses.SAME else self.output.name
            raise SpecError(f"the {self.loss.name} loss needs {self.loss.domain_doc}, which the output layer "
                            f"({given}) does not give: choose an --output whose values lie there")

    @property
    def seed_model(self) -> bool:
        """Whether the loss and the output layer are the seed's: squared loss, f in every layer."""
        return self.loss is losses.LOSSES["squared"] and self.output is losses.SAME

    @property
    def tested(self) -> tuple[Activation, ...]:
        """The activations the numeric check runs with: the given one, or for the generic f every concrete
        one whose outputs the loss admits."""
        return losses.tested(self.loss, self.output, self.activation)

    @property
    def eng(self) -> Engine:
        return engine(self.engine)

    @cached_property
    def lam_symbol(self):
        """λ as it appears in J(W,b): the symbol λ, or the given number."""
        xp = self.eng.xp
        return xp.Symbol("lambda") if self.lam is None else self.eng.number(self.lam)

    @property
    def n_l(self) -> int:
        return len(self.sizes)

    def s(self, l: int) -> int:
        """s_l, the number of units in layer l."""
        return self.sizes[l - 1]

    def units(self, l: int) -> range:
        """The unit numbers 1..s_l of layer l."""
        return range(1, self.s(l) + 1)

    @property
    def samples(self) -> range:
        return range(1, self.m + 1)

    @cached_property
    def W(self) -> dict:
        return Indexed("W", {l: Indexed(f"W^{l}", {(i, j): self.eng.xp.Symbol(f"W^{l}_{{{i},{j}}}")
                                                    for i in self.units(l + 1) for j in self.units(l)})
                             for l in range(1, self.n_l)})

    @cached_property
    def b(self) -> dict:
        return Indexed("b", {l: Indexed(f"b^{l}", {i: self.eng.xp.Symbol(f"b^{l}_{{{i}}}") for i in self.units(l + 1)})
                             for l in range(1, self.n_l)})

    def x(self, k: int | None = None) -> dict:
        """x_j of the sample (x, y), or of sample k: x^(k)_j."""
        return Indexed("x", {j: self.eng.xp.Symbol(_sample_name("x", k, j)) for j in self.units(1)})

    def y(self, k: int | None = None) -> dict:
        """y_i of the sample (x, y), or of sample k; for a distribution, the last is 1 minus the others."""
        y = {i: self.eng.xp.Symbol(_sample_name("y", k, i)) for i in self.units(self.n_l)}
        if self.loss.distribution:
            y[self.s(self.n_l)] = self.eng.xp.Integer(1) - sum(y[i] for i in range(1, self.s(self.n_l)))
        return Indexed("y", y)

    def data(self, k: int | None = None) -> list:
        """The free symbols of x and y of the sample (x, y), or of sample k."""
        return [*self.x(k).values(), *(s for s in self.y(k).values() if s.is_Symbol)]

    def zeta(self, l: int) -> dict:
        """Fresh symbols standing for z^l when the network is cut at layer l."""
        return Indexed(f"z^{l}", {i: self.eng.xp.Symbol(f"z^{l}_{{{i}}}") for i in self.units(l)})

    def world(self, sample: int | None = None, cut: int | None = None) -> Forward:
        """The forward pass of the sample (x, y), or of sample k, or from z^l with ``cut=l``; built once.

        Sharing one pass keeps every expression built on it a DAG with shared nodes.
        """
        key = (None, cut) if cut is not None else (sample, None)
        if key not in self._worlds:
            self._worlds[key] = forward(self, cut=cut) if cut is not None else forward(self, self.x(sample))
        return self._worlds[key]

    @cached_property
    def _worlds(self) -> dict:
        return {}

    @cached_property
    def parameters(self) -> tuple:
        return tuple(s for l in range(1, self.n_l) for s in (*self.W[l].values(), *self.b[l].values()))

    @property
    def parameter_count(self) -> int:
        """Σ_l s_{l+1}(s_l + 1), counted without building a symbol (a refusal must cost nothing)."""
        return sum(b * (a + 1) for a, b in zip(self.sizes, self.sizes[1:]))


def _sample_name(base: str, k: int | None, unit: int) -> str:
    return f"{base}_{{{unit}}}" if k is None else f"{base}^({k})_{{{unit}}}"


def forward(net: Network, x: dict | None = None, *, cut: int | None = None) -> Forward:
    """The forward pass z^{l+1} = W^l a^l + b^l, a^{l+1} = f(z^{l+1}) (the output layer's g at l+1 = n_l).

    From the input ``x`` (a^1 = x), or, with ``cut=l``, from fresh symbols z^l
    (the network cut at layer l, so that ∂J/∂z^l is an ordinary derivative).
    """
    f = net.eng.f
    if cut is None:
        start, z, a = 1, {}, {1: Indexed("a^1", x)}
    else:
        start = cut
        z = {cut: net.zeta(cut)}
        a = {cut: _activated(net, cut, z[cut], f)}
    for l in range(start, net.n_l):
        z[l + 1] = Indexed(f"z^{l + 1}", {i: total([*(net.W[l][i, j] * a[l][j] for j in net.units(l)), net.b[l][i]])
                                          for i in net.units(l + 1)})
        a[l + 1] = _activated(net, l + 1, z[l + 1], f)
    return Forward(z, a, start)


def _activated(net: Network, l: int, z: dict, f) -> Indexed:
    """a^l from z^l: f, or the output layer's g at l = n_l."""
    if l < net.n_l or net.output.layer is None:
        return Indexed(f"a^{l}", {i: f(zi) for i, zi in z.items()})
    return Indexed(f"a^{l}", dict(zip(z, net.output.layer(list(z.values()), net.eng.ops))))
