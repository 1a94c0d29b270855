"""Derivatives as written: ∂(…)/∂W^l_ij, ∂(…)/∂b^l_i, ∂(…)/∂z^l_i and ∂(…)/∂a^l_i, each on the network with its cut.

A parameter is a symbol of the network: the body is read where it stands and
differentiated. A forward quantity z^l or a^l is made a variable by cutting the
network there (derive.meaning.symbols.Cut): it becomes fresh symbols, the forward
pass runs on from it (z^{l+1} = W^l a^l + b^l when the cut is at a^l), the layers
below are held fixed, the body is read in that world and differentiated, and the
result is read back in the world the derivative stands in. So ∂J/∂a^{n_l}_j is
a^{n_l}_j − y_j, ∂J/∂a^l_j is Σ_k W^l_kj δ^{l+1}_k, ∂z^{l+1}_k/∂a^l_j is W^l_kj,
∂a^l_j/∂z^l_k is f'(z^l_j) for k = j and 0 otherwise, and a quantity of a lower
layer does not depend on a higher one (∂z^l_j/∂a^l_j = 0).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from derive.errors import NotUnderstood
from derive.meaning.arrays import scalar
from derive.meaning.remarks import bias_dropped
from derive.meaning.symbols import PARAMETERS, Env, SymbolTable
from derive.reader.ast import Derivative, Node, Sym

__all__ = ["derivative", "FORWARD"]

FORWARD = frozenset({"z", "a"})  # the forward quantities a derivative may be taken with respect to


class _Reader(Protocol):
    """What a derivative needs of the evaluator: the table, the remarks it gathers, and reading nodes."""

    table: SymbolTable
    remarks: set[str]

    def value(self, node: Node, env: Env) -> Any: ...

    def index(self, node: Node, env: Env) -> int: ...

    def sym(self, node: Sym, env: Env) -> Any: ...


def derivative(ev: _Reader, node: Derivative, env: Env) -> Any:
    """The value of ``node`` (∂body/∂wrt) with the indices of ``env``.

    Raises NotUnderstood for a derivative with respect to anything else, or one inside a derivative
    whose cut it would have to cross; Unfit for a unit outside the network.
    """
    if node.body is None:
        raise NotUnderstood(f"the operator {node} is applied to nothing")
    wrt = node.wrt
    if wrt.name in PARAMETERS and wrt.sub:
        return _by_parameter(ev, node, env)
    if wrt.name in FORWARD and wrt.sub and wrt.sup is not None:
        return _by_forward(ev, node, env)
    raise NotUnderstood(f"derivatives with respect to {wrt} are not supported")


def _by_parameter(ev: _Reader, node: Derivative, env: Env) -> Any:
    """∂body/∂W^l_ij or ∂body/∂b^l_i: the body as it stands, differentiated."""
    assert node.body is not None
    variable = ev.sym(node.wrt, env)
    body = scalar(ev.value(node.body, env), node)
    layer = ev.index(node.wrt.sup, env) if node.wrt.sup is not None else 0
    # W^L and b^L move z^{L+1}: at or below the cut, which holds it fixed; and a layer below the cut is read at its
    # own fresh z, fixed in W. Either way the world of the cut cannot say how the body moves with the parameter.
    if layer < env.cut.layer or ev.table.below_cut(body, env.cut):
        raise NotUnderstood(f"{node}: ∂/∂{node.wrt} of a layer below {env.cut} inside ∂/∂{env.cut}")
    return ev.table.d(body, variable)


def _by_forward(ev: _Reader, node: Derivative, env: Env) -> Any:
    """∂body/∂z^l_i or ∂body/∂a^l_i: the body read in the network cut there, differentiated, read back."""
    wrt = node.wrt
    assert node.body is not None and wrt.sup is not None
    if len(wrt.sub) != 1:
        raise NotUnderstood(f"∂/∂{wrt}: {wrt.name}^l takes one unit index")
    cut = ev.table.cut_at(wrt.name, ev.index(wrt.sup, env), env.cut)
    fresh = ev.table.fresh(cut, ev.index(wrt.sub[0], env))
    body = scalar(ev.value(node.body, replace(env, cut=cut)), node)
    if ev.table.bias_dropped(body, cut):
        ev.remarks.add(bias_dropped(wrt))
    return ev.table.d_by_cut(body, fresh, cut, env.cut)
