"""Reverse-mode automatic differentiation over an expression DAG (what autodiff frameworks do).

The loss J is a DAG: each z^l_i, f(z^l_i) is built once and shared. Walking it
once from the output, each node passes its adjoint ∂J/∂node to its children by
the local rules: sums, products and powers here, and each of the registry's
functions by its own rule (f → f', exp, log, tanh: derive.primitives). The
result for every parameter is a compact DAG too, so nothing downstream
(equality, numeric evaluation) pays for the expanded chain rule. It knows
expressions, not networks: layers and residuals appear nowhere in it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from derive.model.dag import post_order

if TYPE_CHECKING:
    from derive.model.engines import Engine

__all__ = ["gradient"]


def _local(eng: Engine, node) -> list[tuple[Any, Any]]:
    """(child, ∂node/∂child) for each child of ``node``."""
    applied = eng.applied(node)
    if applied is not None:
        fn, arg = applied
        if fn.grad is None:
            raise ValueError(f"the derivative of {fn.name} ({fn.name}') is not read")
        return [(arg, fn.grad(node, arg, eng.ops))]
    xp = eng.xp
    if node.is_Add:
        return [(c, 1) for c in node.args]
    if node.is_Mul:
        args = node.args
        return [(c, xp.Mul(*(args[:k] + args[k + 1:]))) for k, c in enumerate(args)]
    if node.is_Pow:
        base, exp = node.args
        if exp.free_symbols:
            return [(base, exp * base ** (exp - 1)), (exp, node * xp.log(base))]
        return [(base, exp * base ** (exp - 1))]
    raise ValueError(f"reverse mode has no rule for {type(node).__name__}")


def gradient(eng: Engine, J, wrt) -> dict:
    """∂J/∂s for every s of ``wrt``: symbols, or nodes of J's DAG (0 where J does not depend on s).

    For a node such as z^l_i, which J uses only through f(z^l_i), this is the
    derivative with the other nodes held fixed: the residual δ^l_i. When every s is a
    symbol, one pass serves them all: the adjoints of J's symbols are kept for the next call.
    """
    wrt = list(wrt)
    found = _symbols(eng, J) if all(s.is_Symbol for s in wrt) else _adjoints(eng, J, set(wrt))
    return {s: found.get(s, eng.xp.Integer(0)) for s in wrt}


@lru_cache(maxsize=8)
def _symbols(eng: Engine, J) -> dict:
    """The adjoint of each symbol of J (one pass; derivatives by several parameters of one J in turn)."""
    return _adjoints(eng, J, None)


def _adjoints(eng: Engine, J, wanted: set | None) -> dict:
    """The adjoint of each node of ``wanted`` (None: of each symbol) in one reverse pass over J's DAG."""
    found, adjoint = {}, {J: eng.xp.Integer(1)}
    for node in reversed(post_order([J])):  # parents before children
        a = adjoint.pop(node, None)
        if a is None:
            continue
        if node in wanted if wanted is not None else node.is_Symbol:
            found[node] = a
        if node.is_Atom or node.is_Number:
            continue
        for child, d in _local(eng, node):
            if child.is_Number:
                continue
            term = a * d
            adjoint[child] = adjoint[child] + term if child in adjoint else term
    return found
