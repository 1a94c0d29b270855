"""How the seed's notation turns a name with its scripts into an AST node.

A superscript is the layer of W, b, z, a, δ, the sample of x and y, and a power
of anything else; subscripts are unit indices ({ij} and {i,j} are two, {l+1}
one); scripts hold index expressions, whose bare letters become ``Var``. A
name followed by "(" is a call when it is a function's: the registry's (f, σ,
exp, …) or a loss's (J, L, C, …).
"""

from __future__ import annotations

from derive.primitives import reading
from derive.reader.ast import Add, Call, Mul, Neg, Node, Pow, Sym, Var

__all__ = ["CALLS", "LAYERED", "SAMPLED", "index", "is_call", "call", "symbol"]

CALLS = frozenset({"g", "h", "J", "L", "E", "C", "phi", "varphi"})  # with the registry's names: g(...) is a call
LAYERED = frozenset({"W", "w", "b", "a", "z", "delta", "Theta", "theta"})  # superscript = layer
SAMPLED = frozenset({"x", "y"})  # superscript = sample index


def index(node: Node) -> Node:
    """Read a script as an index expression: bare letters (and n_l) become Var."""
    if isinstance(node, Sym) and not node.sub and node.sup is None and node.sample is None:
        return Var(node.name)
    if isinstance(node, Add):
        return Add(tuple(map(index, node.terms)))
    if isinstance(node, Mul):
        return Mul(tuple(map(index, node.factors)))
    if isinstance(node, Neg):
        return Neg(index(node.x))
    return node


def _units(items: list[Node]) -> tuple[Node, ...]:
    """Subscript indices: {ij} and {i,j} are two indices, {l+1} or {n_l} one."""
    if len(items) == 1 and isinstance(items[0], Mul) and all(
            isinstance(f, Sym) and len(f.name) == 1 and f == Sym(f.name) for f in items[0].factors):
        items = list(items[0].factors)
    return tuple(map(index, items))


def is_call(name: str) -> bool:
    """Whether ``name(…)`` calls a function."""
    return name in CALLS or reading(name) is not None


def call(name: str, args: list[Node], sub: list[Node] | None, sup: Node | None, semicolon: bool) -> Call:
    """``name_{sub}^{sup}(args)``: h_{W,b}(x), J(W,b;x,y), f'(z)."""
    return Call(name, tuple(args), tuple(sub or ()), None if sup is None else index(sup), semicolon)


def symbol(name: str, sub: list[Node] | None, sup: Node | None) -> Node:
    """An indexed symbol, e^{…} (a call of exp), or a power of a plain symbol."""
    if name == "e" and sub is None and sup is not None:
        return Call("exp", (sup,))
    if name == "n" and sub == [Sym("l")]:
        name, sub = "n_l", None
    units = _units(sub) if sub else ()
    if name in SAMPLED:
        return Sym(name, units, None, None if sup is None else index(sup))
    if name in LAYERED:
        return Sym(name, units, None if sup is None else index(sup))
    return Sym(name, units) if sup is None else Pow(Sym(name, units), sup)
