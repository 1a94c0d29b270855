"""The two symbolic engines behind the same mathematics: symengine (fast, the default) and SymPy (the reference).

Both build the same expressions — symbols, rationals, the registry's functions —
and answer the same small interface. Each differentiates the loss its own way:

- ``SymEngine``: reverse-mode automatic differentiation over the loss's DAG
  (derive.model.reverse), with respect to parameters *and* to subexpressions
  such as z^l_i, so one pass gives every residual and gradient of a loss.
- ``SymPy``: ``sympy.diff`` of the nested loss, one symbol at a time, which
  writes the derivative of an undefined f as ``Subs(Derivative(f(ξ), ξ), ξ, e)``
  or ``Derivative(f(e), e)``; both become f'(e) here. Residuals inside a cut
  network and at other samples are read off by substitution.

SymPy is imported only when needed: it is a third of derive's start-up time.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from functools import cache, cached_property
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

from derive.errors import SpecError
from derive.model.autodiff import Derivatives
from derive.model.loss import full_loss, sample_loss
from derive.model.reverse import gradient
from derive.primitives import Function, Ops, function

if TYPE_CHECKING:
    from derive.model.network import Network

__all__ = ["Engine", "SymEngine", "SymPy", "ENGINES", "engine"]


class Engine(ABC):
    """One symbolic engine: its module ``xp``, the registry's functions built in it, and its derivatives."""

    name: ClassVar[str]

    @property
    @abstractmethod
    def xp(self) -> ModuleType:
        """The engine's module (symengine or sympy): Symbol, Rational, expand, …"""

    @cached_property
    def ops(self) -> Ops:
        """The registry's functions as engine expressions: ``ops.exp(x)``, ``ops.f(x)``; a function the engine
        does not know (the generic f and f') is an undefined function of the engine."""
        xp = self.xp
        return Ops(lambda fn: getattr(xp, fn.name) if not fn.unknown and hasattr(xp, fn.name) else xp.Function(fn.name),
                   lambda c, like: xp.sympify(c))

    @property
    def f(self) -> Callable:
        return self.ops.f

    @property
    def fprime(self) -> Callable:
        return self.ops.fprime

    @abstractmethod
    def applied(self, node) -> tuple[Function, Any] | None:
        """(function, argument) when ``node`` applies one of the registry's functions (f(e), exp(e), …), else None."""

    def number(self, value) -> Any:
        """``value`` (int, Fraction or float) as an engine number."""
        if isinstance(value, float):
            return self.xp.Float(value)
        if hasattr(value, "denominator"):
            return self.xp.Rational(value.numerator, value.denominator)
        return self.xp.Integer(value)

    @abstractmethod
    def to_sympy(self, e) -> Any:
        """``e`` as a SymPy expression."""

    @abstractmethod
    def gradient(self, J, wrt) -> dict:
        """∂J/∂s for each s of ``wrt``, written with f'."""

    @abstractmethod
    def differentiate(self, net: Network) -> Derivatives:
        """Every derivative the claims speak of: residuals in each cut network, per sample, of J(W,b)."""


class SymEngine(Engine):
    name = "symengine"

    @cached_property
    def xp(self) -> ModuleType:
        import symengine
        return symengine

    def applied(self, node) -> tuple[Function, Any] | None:
        if node.is_Pow:  # symengine writes exp(x) as E**x
            exp = function("exp")
            return (exp, node.args[1]) if exp is not None and node.args[0] == self.xp.E else None
        name = node.get_name() if isinstance(node, self.xp.FunctionSymbol) else type(node).__name__
        return _one_argument(function(name), node)

    def to_sympy(self, e) -> Any:
        import sympy
        return sympy.sympify(e)

    def gradient(self, J, wrt) -> dict:
        """By reverse mode; ``wrt`` may also hold subexpressions of J (a z^l_i gives δ^l_i)."""
        return gradient(self, J, wrt)

    def differentiate(self, net: Network) -> Derivatives:
        layers = range(2, net.n_l + 1)
        within = {}
        for l in layers:  # one reverse pass gives δ^k for every k ≥ l, on this cut network's own nodes
            cut = net.world(cut=l)
            d = self.gradient(sample_loss(net, cut, net.y()), [z for k in layers[l - 2:] for z in cut.z[k].values()])
            within[l] = {k: {i: d[z] for i, z in cut.z[k].items()} for k in layers[l - 2:]}
        # An output layer of its own (linear, …) may merge z^{n_l} into larger sums, so that it is no node of J
        # to take an adjoint of: δ^{n_l} is then the cut network's, read where z^{n_l} is.
        top, own = net.n_l, net.output.layer is not None
        for l in layers[:-1] if own else ():
            within[l][top] = _read_in(within[top][top], net.zeta(top), net.world(cut=l).z[top])
        at = {}
        for k in (None, *net.samples):  # δ is the adjoint of each z^l_i in the sample's own pass
            fw = net.world(k)
            d = self.gradient(sample_loss(net, fw, net.y(k)), [*net.parameters, *(z for l in layers
                                                                                 for z in fw.z[l].values())])
            at[k] = {"z": {l: {i: d[z] for i, z in fw.z[l].items()} for l in layers}, **_by_layer(net, d)}
            if own:
                at[k]["z"][top] = _read_in(within[top][top], net.zeta(top), fw.z[top])
        return Derivatives(net, within, at, _by_layer(net, self.gradient(full_loss(net), net.parameters)))


class SymPy(Engine):
    name = "sympy"

    @cached_property
    def xp(self) -> ModuleType:
        import sympy
        return sympy

    @cached_property
    def _undefined(self) -> Any:
        from sympy.core.function import AppliedUndef
        return AppliedUndef

    def applied(self, node) -> tuple[Function, Any] | None:
        name = node.func.__name__ if isinstance(node, self._undefined) else type(node).__name__
        return _one_argument(function(name), node)

    def to_sympy(self, e) -> Any:
        return e

    def gradient(self, J, wrt) -> dict:
        """By ``sympy.diff``, one symbol at a time."""
        return {s: self.with_fprime(J.diff(s)) for s in wrt}

    def with_fprime(self, expr):
        """``expr`` with every first derivative of f written as f'(argument)."""
        xp, swap = self.xp, {}
        is_f = lambda e: (self.applied(e) or (None,))[0] is function("f")
        for d in expr.atoms(xp.Subs):
            inner = d.expr
            if isinstance(inner, xp.Derivative) and is_f(inner.expr) and len(inner.variables) == 1:
                swap[d] = self.fprime(self.with_fprime(d.point[0]))
        for d in expr.atoms(xp.Derivative):
            if d not in swap and is_f(d.expr) and len(d.variables) == 1 and d.expr.args[0] == d.variables[0]:
                swap[d] = self.fprime(d.variables[0])
        return expr.xreplace(swap) if swap else expr

    def differentiate(self, net: Network) -> Derivatives:
        layers = range(2, net.n_l + 1)
        delta = {}  # δ^l in the network cut at l, a function of its fresh z^l
        for l in layers:
            d = self.gradient(sample_loss(net, net.world(cut=l), net.y()), list(net.zeta(l).values()))
            delta[l] = {i: d[s] for i, s in net.zeta(l).items()}
        within = {l: {k: _read_in(delta[k], net.zeta(k), net.world(cut=l).z[k]) for k in layers[l - 2:]}
                  for l in layers}
        uncut = _by_layer(net, self.gradient(sample_loss(net, net.world(), net.y()), net.parameters))
        at = {}
        for k in (None, *net.samples):  # the (x, y) gradients read at sample k
            swap = dict(zip(net.data(), net.data(k)))
            read = uncut if k is None else {wrt: {l: {key: e.xreplace(swap) for key, e in v.items()}
                                                  for l, v in g.items()} for wrt, g in uncut.items()}
            residual = {l: _read_in(delta[l], net.zeta(l), net.world(k).z[l]) for l in layers}
            at[k] = {"z": {l: {i: e.xreplace(swap) for i, e in r.items()} for l, r in residual.items()},  # y^{(k)}
                     **read}
        return Derivatives(net, within, at, _by_layer(net, self.gradient(full_loss(net), net.parameters)))


def _one_argument(fn: Function | None, node) -> tuple[Function, Any] | None:
    return None if fn is None or len(node.args) != 1 else (fn, node.args[0])


def _by_layer(net: Network, d: dict) -> dict:
    """Gradients keyed by what they differentiate: ``{"W": {l: {(i, j): …}}, "b": {l: {i: …}}}``."""
    return {"W": {l: {ij: d[w] for ij, w in net.W[l].items()} for l in net.W},
            "b": {l: {i: d[bi] for i, bi in net.b[l].items()} for l in net.b}}


def _read_in(delta_k: dict, zeta: dict, z: dict) -> dict:
    """δ^k (a function of the fresh z^k) where z^k is ``z``."""
    swap = {zeta[u]: z[u] for u in zeta}
    return {i: e.xreplace(swap) for i, e in delta_k.items()}


ENGINES: dict[str, type[Engine]] = {e.name: e for e in (SymEngine, SymPy)}


@cache
def engine(name: str = "symengine") -> Engine:
    """The engine called ``name``; raises SpecError for any other name."""
    if name not in ENGINES:
        raise SpecError(f"unknown engine {name!r} (known: {', '.join(ENGINES)})")
    return ENGINES[name]()
