"""The registry: every elementary function and every activation, each declared once.

An elementary function (exp, log, tanh, and the unknown f and f' of a generic
activation) carries what each layer needs: its reverse-mode rule (autograd's
``defvjp`` table), its value wherever derive evaluates it (NumPy arrays, mpmath
to 60 digits, its exact value modulo a prime where it has one — else the
identity test treats it as a random function of its argument's value), and how
LaTeX reads and prints it.

An activation is a formula over these functions — f, and the f' people write in
terms of a = f(t) and t — evaluated in any of those places through ``Ops``.

Adding a function or an activation is one ``register`` call with one entry; the
engines, the checks, the reader, the CLI's choices and the README's lists all
read these tables.

>>> float(activation("sigmoid").f(0.0, ops("numpy")))
0.5
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from derive.errors import SpecError

__all__ = ["Function", "Activation", "Ops", "FUNCTIONS", "ACTIVATIONS", "GENERIC", "register", "function", "total",
           "activation", "concrete", "ops", "reading", "markdown_tables"]

GENERIC = "generic"


@dataclass(frozen=True)
class Function:
    """One elementary function: how it is differentiated, evaluated, read and printed.

    ``name`` is the engines' function of that name, or an undefined one when ``unknown`` (the f
    and f' of a generic activation). ``tex`` prints it; ``reads`` are the LaTeX names that call it.
    ``grad(ans, x, ops)`` is d f(x)/dx given ans = f(x) (None: reverse mode has no rule for it).
    ``numpy`` evaluates it on float arrays; ``mpmath`` names mpmath's function (imported only when
    a witness needs it). ``mod_p`` is its exact value on exact numbers (integers modulo p,
    fractions), a rational function of its argument, where it has one; None says it has none
    (exp, log, tanh). ``derivative`` is the rule as the README lists it. ``as_exp(x, ops)`` is
    the function written through exp and log of its argument (tanh x = (e^{2x}−1)/(e^{2x}+1)), so
    that exact checks decide identities between concrete functions; None keeps f(x) an unknown.
    """

    name: str
    tex: str
    reads: tuple[str, ...]
    grad: Callable[[Any, Any, Ops], Any] | None
    numpy: Callable | None = None
    mpmath: str | None = None
    mod_p: Callable | None = None
    unknown: bool = False
    derivative: str = ""
    as_exp: Callable[[Any, Ops], Any] | None = None

    @property
    def attr(self) -> str:
        """The name as an attribute of ``Ops``: f' is ``ops.fprime``."""
        return self.name.replace("'", "prime")


@dataclass(frozen=True)
class Activation:
    """One activation: f(t) and the f' people write from a = f(t) and t, as formulas over ``Ops``.

    ``generic``: f is the undefined f itself (its formulas are ``ops.f`` and ``ops.fprime``), so a
    pass holds for every differentiable f. ``rational``: f is a rational function, so exact checks
    put its formula in instead of keeping f(t) unknown. ``reads``: LaTeX names that call it
    (``\\sigma(z)``); ``doc``: how the README lists it. ``as_exp(t, ops)``: f written through exp
    and log of t (the logistic f is 1/(1+e^{−t})), for exact checks; None keeps f(t) an unknown.
    """

    name: str
    f: Callable[[Any, Ops], Any]
    fprime: Callable[[Any, Any, Ops], Any]
    reads: tuple[str, ...] = ()
    rational: bool = False
    generic: bool = False
    doc: str = ""
    as_exp: Callable[[Any, Ops], Any] | None = None


class Ops:
    """The registry's functions in one place of evaluation, by attribute: ``ops.exp(x)``, ``ops.fprime(x)``.

    ``lift(c, like)`` turns what a formula returns into a value of that place shaped like ``like``
    (a formula may return a plain number: the identity's f' is 1).
    """

    def __init__(self, make: Callable[[Function], Callable], lift: Callable[[Any, Any], Any]):
        self._make, self.lift = make, lift
        self._made: dict[str, Callable] = {}

    def __getattr__(self, attr: str) -> Callable:
        if attr not in self._made:
            fn = next((f for f in FUNCTIONS.values() if f.attr == attr), None)
            if fn is None:
                raise AttributeError(attr)
            self._made[attr] = self._make(fn)
        return self._made[attr]


def _in(where: str) -> Callable[[Function], Callable]:
    def make(fn: Function) -> Callable:
        value = getattr(fn, where)
        if isinstance(value, str):
            import mpmath
            return getattr(mpmath, value)
        if value is not None:
            return value

        def missing(*_):
            raise ValueError(f"{fn.name} has no {where} value")
        return missing
    return make


_OPS: dict[str, Ops] = {}


def ops(place: str) -> Ops:
    """The functions evaluated with NumPy (``"numpy"``) or mpmath (``"mpmath"``)."""
    if place not in _OPS:
        lift = {"numpy": lambda c, like: np.broadcast_to(np.asarray(c, dtype=float), np.shape(like)).copy(),
                "mpmath": lambda c, like: c}[place]
        _OPS[place] = Ops(_in(place), lift)
    return _OPS[place]


def total(terms: Iterable) -> Any:
    """Σ terms in one step: the engine's Add(*terms) for expressions (Python's ``sum`` rebuilds the growing
    sum once per term, quadratic in their number), else Python's ``sum`` (NumPy arrays, numbers)."""
    terms = list(terms)
    engines = {type(t).__module__.split(".")[0] for t in terms} & {"symengine", "sympy"}
    return importlib.import_module(engines.pop()).Add(*terms) if engines else sum(terms)


FUNCTIONS: dict[str, Function] = {}
ACTIVATIONS: dict[str, Activation] = {}


def register(entry: Function | Activation) -> Function | Activation:
    """Add one function or activation to the registry; its name and LaTeX readings must be new."""
    table: dict = FUNCTIONS if isinstance(entry, Function) else ACTIVATIONS
    if entry.name in table:
        raise SpecError(f"{entry.name!r} is already registered")
    for name in entry.reads:
        other = reading(name)
        if other is not None:
            raise SpecError(f"the LaTeX name {name!r} already reads as {other.name!r}")
    table[entry.name] = entry
    _OPS.clear()
    return entry


def function(name: str) -> Function | None:
    """The function whose engine head is ``name`` (f, f', exp, …), or None."""
    return FUNCTIONS.get(name)


def activation(name: str) -> Activation:
    """The activation called ``name``; raises SpecError naming the known ones."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise SpecError(f"unknown activation {name!r} (known: {', '.join(ACTIVATIONS)})") from None


def concrete() -> tuple[Activation, ...]:
    """Every activation but the generic one and those with a kink: those a check of the generic f runs
    numerically (the generic f stands for every differentiable f; relu is checked when it is chosen)."""
    return tuple(a for a in ACTIVATIONS.values() if not a.generic and not kinked(a))


@cache
def kinked(act: Activation) -> bool:
    """Whether the f' written for ``act`` jumps at 0 (relu's step): f has no derivative there, so numeric
    draws keep every pre-activation away from 0 (checks.draws)."""
    if act.generic:
        return False
    h, o = np.array([-1e-6, 1e-6]), ops("numpy")
    with np.errstate(all="ignore"):
        d = np.broadcast_to(np.asarray(act.fprime(act.f(h, o), h, o), dtype=float), h.shape)
    return bool(abs(d[1] - d[0]) > 1e-3)


def reading(name: str) -> Function | Activation | None:
    """What a LaTeX name written before ``(…)`` calls: a function, an activation, or None."""
    entries: list[Function | Activation] = [*FUNCTIONS.values(), *ACTIVATIONS.values()]
    return next((entry for entry in entries if name in entry.reads), None)


def markdown_tables() -> str:
    """The README's lists of functions and activations, made from the registry."""
    def read(entry: Function | Activation) -> str:
        return ", ".join(f"`{_spelled(r)}(…)`" for r in entry.reads) or "–"
    lines = ["| function | read as | printed as | d/dx |", "| --- | --- | --- | --- |"]
    lines += [f"| `{f.name}` | {read(f)} | `{f.tex}` | {f.derivative} |" for f in FUNCTIONS.values()]
    lines += ["", "| `--activation` | read as | f and the f' people write |", "| --- | --- | --- |"]
    lines += [f"| `{a.name}` | {read(a)} | {a.doc} |" for a in ACTIVATIONS.values()]
    return "\n".join(lines) + "\n"


def _spelled(name: str) -> str:
    return "\\" + name if len(name.rstrip("'")) > 1 else name


def _sigmoid(t, o: Ops):
    return 1 / (1 + o.exp(-t))


for _entry in (
    Function("f", "f", ("f",), lambda ans, x, o: o.fprime(x), unknown=True,
             derivative="f'(x)"),
    Function("f'", "f'", ("f'",), None, unknown=True, derivative="none (f'' is never needed)"),
    Function("exp", r"\exp", ("exp",), lambda ans, x, o: ans, np.exp, "exp", derivative="exp(x)"),
    Function("log", r"\log", ("log", "ln"), lambda ans, x, o: 1 / x, np.log, "log", derivative="1/x"),
    Function("tanh", r"\tanh", ("tanh",), lambda ans, x, o: 1 - ans**2, np.tanh, "tanh",
             derivative="1 − tanh²(x)", as_exp=lambda x, o: (o.exp(2 * x) - 1) / (o.exp(2 * x) + 1)),
    Function("sqrt", r"\sqrt", (), lambda ans, x, o: 1 / (2 * ans), np.sqrt, "sqrt", derivative="1/(2√x)"),
    Activation(GENERIC, lambda t, o: o.f(t), lambda a, t, o: o.fprime(t), generic=True,
               doc="f undefined: a pass holds for every differentiable f"),
    Activation("sigmoid", _sigmoid, lambda a, t, o: a * (1 - a), ("sigma",),
               doc="f(z) = 1/(1+e^{−z}), f'(z) = a(1−a)", as_exp=_sigmoid),
    Activation("tanh", lambda t, o: o.tanh(t), lambda a, t, o: 1 - a**2,
               doc="f(z) = tanh z, f'(z) = 1−a²", as_exp=lambda t, o: (o.exp(2 * t) - 1) / (o.exp(2 * t) + 1)),
    Activation("softplus", lambda t, o: o.log(1 + o.exp(t)), lambda a, t, o: _sigmoid(t, o),
               doc="f(z) = log(1+e^z), f'(z) = 1/(1+e^{−z})", as_exp=lambda t, o: o.log(1 + o.exp(t))),
    Activation("identity", lambda t, o: t, lambda a, t, o: 1, rational=True,
               doc="f(z) = z, f'(z) = 1", as_exp=lambda t, o: t),
    Activation("relu", lambda t, o: (t + o.sqrt(t * t)) / 2, lambda a, t, o: a / t, ("ReLU",),
               doc="f(z) = max(0, z), f'(z) = a/z: 1 for z > 0, 0 for z < 0 (none at z = 0)"),
):
    register(_entry)
