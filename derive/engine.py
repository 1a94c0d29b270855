"""The two symbolic engines behind the same mathematics: symengine (fast, default) and SymPy (reference).

Both expose the same names (Symbol, Function, Rational, exp, expand, Subs,
Derivative, …); this module adds the few things that differ: the name of an
applied undefined function, NumPy lambdification and conversion to SymPy.
SymPy is imported only when needed: it is a third of derive's start-up time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Callable

import numpy as np

from derive.errors import SpecError

__all__ = ["Engine", "engine", "ENGINES"]

ENGINES = ("symengine", "sympy")


@dataclass(frozen=True, eq=False)
class Engine:
    """One symbolic engine: its module ``xp`` and the heads f and f' built in it."""

    name: str
    xp: ModuleType

    @property
    def f(self):
        return _heads(self.name)[0]

    @property
    def fprime(self):
        return _heads(self.name)[1]

    def head(self, e) -> str | None:
        """'f' or "f'" when ``e`` is f(…) or f'(…), else None."""
        if self.name == "symengine":
            return e.get_name() if isinstance(e, self.xp.FunctionSymbol) else None
        from sympy.core.function import AppliedUndef
        return e.func.__name__ if isinstance(e, AppliedUndef) else None

    def number(self, value) -> object:
        """``value`` (int, Fraction or float) as an engine number."""
        if isinstance(value, float):
            return self.xp.Float(value)
        if hasattr(value, "denominator"):
            return self.xp.Rational(value.numerator, value.denominator)
        return self.xp.Integer(value)

    def lambdify(self, args: list, exprs: list, compiled: bool = True) -> Callable[[np.ndarray], np.ndarray]:
        """A NumPy function of an (args × draws) array giving an (exprs × draws) array (CSE on).

        ``compiled``: symengine compiles with LLVM (slow to build, fast to run); otherwise
        it interprets (instant to build, for few draws).
        """
        if not exprs:
            return lambda cols: np.zeros((0, cols.shape[1]))
        if self.name == "symengine":
            backend = "llvm" if compiled else "lambda"
            fn = self.xp.Lambdify(args, exprs, cse=True, backend=backend)
            # rows of the result are strided views: each is copied once, by whoever gathers them
            return lambda cols: np.asarray(fn(np.ascontiguousarray(cols.T))).reshape(cols.shape[1], len(exprs)).T
        fn = self.xp.lambdify(args, exprs, modules="numpy", cse=True)
        return lambda cols: np.array([np.broadcast_to(v, cols.shape[1:]) for v in fn(*cols)], dtype=float)

    def replace_all(self, exprs: list, swap: dict) -> list:
        """``[e.xreplace(swap) for e in exprs]``, handing ``swap`` to the engine once, not once per e."""
        if not swap or not exprs:
            return list(exprs)
        if self.name == "symengine":
            return list(self.xp.DenseMatrix(len(exprs), 1, list(exprs)).xreplace(swap))
        return [e.xreplace(swap) for e in exprs]

    def to_sympy(self, e):
        """``e`` as a SymPy expression (imports SymPy, which the symengine path otherwise never needs)."""
        import sympy
        return sympy.sympify(e) if self.name == "symengine" else e


@cache
def _heads(name: str):
    xp = _module(name)
    return xp.Function("f"), xp.Function("f'")


@cache
def _module(name: str) -> ModuleType:
    if name == "symengine":
        import symengine
        return symengine
    import sympy
    return sympy


@cache
def engine(name: str = "symengine") -> Engine:
    """The engine called ``name``; raises SpecError for any other name."""
    if name not in ENGINES:
        raise SpecError(f"unknown engine {name!r} (known: {', '.join(ENGINES)})")
    return Engine(name, _module(name))
