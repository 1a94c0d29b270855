"""An elementary function applied to an engine expression, and the values that have no real meaning:
log 0, the log of a negative number, a base 1, a division by zero, an engine's zoo, nan or ±oo. Each is
refused with its reason (``NotUnderstood``: the row is "not checked"), the same on both engines."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from derive.errors import NotUnderstood
from derive.model.engines import Engine

__all__ = ["apply", "defined"]

_LOG_DENOMINATORS = 12  # \log_b x is read as an exact p/q (q up to this) when x^q = b^p
_LOG_BITS = 4096  # the size of b^p and x^q that finding it may build


def apply(eng: Engine, name: str, unary: Callable, x, where: object, base=None) -> Any:
    """``unary(x)``, the function ``name`` (a logarithm to ``base`` when given), refusing what is undefined
    there. e^{c log u + r} is u^c e^r (c a number), as SymPy writes it on construction, so both engines read
    it alike."""
    xp = eng.xp
    if name == "exp":
        powers, rest = _logs_out(eng, x)
        if powers:
            return defined(xp, xp.Mul(*powers) * unary(rest), where)
    if name == "log":
        for v in (x,) if base is None else (x, base):
            if v == 0 or xp.expand(v) == 0:  # z − z is 0 only once expanded (symengine keeps E − (E))
                raise NotUnderstood(f"log 0 is undefined (in {where})")
            if getattr(v, "is_negative", None) is True:
                raise NotUnderstood(f"the log of a negative number is undefined (in {where})")
        if base is not None:
            if base == 1:
                raise NotUnderstood(f"division by zero in {where} (log 1 = 0)")
            exact = _exact_log(x, base)
            return eng.number(exact) if exact is not None else defined(xp, unary(x) / unary(base), where)
    return defined(xp, unary(x), where)


def _logs_out(eng: Engine, x) -> tuple[list, Any]:
    """The terms c log u of the sum ``x`` as powers u^c, and what is left of ``x``."""
    powers, rest = [], []
    for term in x.args if x.is_Add else (x,):
        factors = term.args if term.is_Mul else (term,)
        numbers = [f for f in factors if f.is_Number]
        logs = [eng.applied(f) for f in factors if not f.is_Number]
        if len(logs) == 1 and logs[0] is not None and logs[0][0].name == "log":
            powers.append(logs[0][1] ** eng.xp.Mul(*numbers))
        else:
            rest.append(term)
    return powers, eng.xp.Add(*rest)


def defined(xp, value, where: object) -> Any:
    """``value``, unless the engine made it undefined: zoo (a division by zero), nan, ±oo, or not real."""
    if value == xp.zoo:
        raise NotUnderstood(f"division by zero in {where}")
    if value == xp.nan or value == xp.oo or value == -xp.oo:
        raise NotUnderstood(f"{where} is undefined")
    if getattr(value, "is_Number", False) and getattr(value, "is_real", None) is False:
        raise NotUnderstood(f"{where} is not a real number")
    return value


def _exact_log(x, base) -> Fraction | None:
    """log_base x as an exact fraction where it is one (log_2 8 = 3, log_4 2 = 1/2, log_10 1 = 0), else None."""
    if not (getattr(x, "is_Rational", False) and getattr(base, "is_Rational", False)):
        return None
    a, b = (Fraction(*map(int, v.as_numer_denom())) for v in (x, base))
    if a <= 0 or b <= 0 or b == 1:
        return None
    k = (math.log(a.numerator) - math.log(a.denominator)) / (math.log(b.numerator) - math.log(b.denominator))
    bits = max(n.bit_length() for n in (a.numerator, a.denominator, b.numerator, b.denominator))
    for q in range(1, _LOG_DENOMINATORS + 1):  # a = b^(p/q) exactly when a^q = b^p
        p = round(k * q)
        if max(abs(p), q) * bits <= _LOG_BITS and a**q == b**p:
            return Fraction(p, q)
    return None
