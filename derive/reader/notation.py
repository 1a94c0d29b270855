"""How the seed's notation turns a name with its scripts into an AST node.

A superscript is the layer of W, b, z, a, δ, the sample of x and y, and a power
of anything else; subscripts are unit indices ({ij} and {i,j} are two, {l+1}
one); scripts hold index expressions, whose bare letters become ``Var``. A
name followed by "(" is a call when it is a function's: the registry's (f, σ,
exp, …) or a loss's (J, L, C, …). A script on a function is read exactly or
refused: \\tanh^2 z is (\\tanh z)^2, \\log_2 x has base 2, h_{W,b} names the
model; f^{-1}, f^{(2)}, f^l and f_7 are refused with the reason. A loss written
bare as what a derivative differentiates (∂J/∂a^l_j, ∂C/∂z^l_j, ∂\\mathcal{L}/∂W)
is the loss of one sample, J(W,b;x,y). δ_{ij} without a layer is the Kronecker delta.
"""

from __future__ import annotations

from fractions import Fraction

from derive.primitives import reading
from derive.reader.ast import Add, Call, Kronecker, Mul, Neg, Node, Num, Pow, Sym, Var, spelled
from derive.reader.batch import is_batch
from derive.reader.tokens import fail

__all__ = ["CALLS", "LAYERED", "SAMPLED", "index", "is_call", "call", "symbol", "bare_loss"]

CALLS = frozenset({"g", "h", "J", "L", "E", "C", "phi", "varphi", "H"})  # with the registry's: g(...) is a call
# (H(e) is the unit step, Heaviside's: derive.reader.conditions)
LAYERED = frozenset({"W", "w", "b", "a", "z", "delta", "Theta", "theta"})  # superscript = layer
SAMPLED = frozenset({"x", "y"})  # superscript = sample index
SUBSCRIPTED = frozenset({"h", "log"})  # the functions whose subscript is read: h_{W,b}, \log_2
LOSSES = frozenset({"J", "C", "L", "E"})  # written bare under ∂: the loss of one sample


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


def bare_loss(node: Node | None) -> Node | None:
    """What a derivative differentiates: a loss written without arguments (J, C, L, E) is J(W,b;x,y)."""
    if isinstance(node, Sym) and node.name in LOSSES and node == Sym(node.name):
        return Call("J", (Sym("W"), Sym("b"), Sym("x"), Sym("y")), semicolon=True)
    return node


def is_call(name: str) -> bool:
    """Whether ``name(…)`` calls a function."""
    return name in CALLS or reading(name) is not None


def call(name: str, args: list[Node], sub: list[Node] | None, sup: Node | None, semicolon: bool,
         grouped: bool = False, col: int = 0) -> Node:
    """``name_{sub}^{sup}(args)``: h_{W,b}(x), J(W,b;x,y), f'(z), \\log_2(x), and \\tanh^2(z) = (\\tanh z)^2.

    ``grouped``: the superscript was written ^{(…)}. Raises ParseError (at ``col``) for a script
    that has no reading: an inverse f^{-1}, f^{(2)}, a power other than 1, 2, 3, …, a subscript on
    any function but h and \\log.
    """
    shown = spelled(name)
    if sub is not None and (name not in SUBSCRIPTED or (name == "log" and len(sub) != 1)):
        what = "a logarithm has one base" if name == "log" else "a subscript on a function is not read"
        raise fail(f"{shown}_{_script(sub)}: {what}", col)
    if name == "log" and sub and sub[0] != Sym("e"):  # \log_e is ln; any other base is an index expression
        sub = [index(sub[0])]
    node = Call(name, tuple(args), tuple(sub or ()), None, semicolon)
    if sup is None:
        return node
    sup = index(sup)
    if grouped:
        raise fail(f"{shown}^{{({sup})}}: a parenthesised superscript on a function "
                   "(a derivative's order, a sample) is not read", col)
    if sup == Neg(Num(Fraction(1))):
        raise fail(f"inverse function {shown}^{{-1}} is not supported", col)
    if not (isinstance(sup, Num) and sup.value.denominator == 1 and sup.value > 0):
        raise fail(f"{shown}^{{{sup}}}: only a power 1, 2, 3, … of a function is read", col)
    return Pow(node, sup)


def _script(items: list[Node]) -> str:
    """A subscript as written back: 7, or {W, b}."""
    text = ", ".join(map(str, items))
    return text if len(text) == 1 else "{" + text + "}"


def symbol(name: str, sub: list[Node] | None, sup: Node | None, col: int = 0, grouped: bool = False,
           sample: Node | None = None) -> Node:
    """An indexed symbol, e^{…} (a call of exp), a power of a plain symbol, or the Kronecker delta: δ with two
    unit indices and no layer (δ_{ij}, δ_{i,j}); δ with a layer is the residual. Raises ParseError (at ``col``)
    for δ with more than two indices and no layer. ``grouped``: the superscript was ^{(…)} (a batch matrix's
    layer, A^{(l)}: derive.reader.batch); ``sample``: the k of a^{(l)(k)}."""
    if name == "e" and sub is None and sup is not None:
        return Call("exp", (sup,))
    if name == "n" and sub == [Sym("l")]:
        name, sub = "n_l", None
    units = _units(sub) if sub else ()
    if name == "delta" and sup is None and len(units) > 1:
        if len(units) > 2:
            raise fail(f"\\delta_{_script(list(units))}: a Kronecker delta has two indices, a residual a layer", col)
        return Kronecker(*units)
    if name in SAMPLED:
        return Sym(name, units, None, None if sup is None else index(sup))
    if name in LAYERED:
        return Sym(name, units, None if sup is None else index(sup), None if sample is None else index(sample))
    if grouped and sup is not None and not units and is_batch(name):
        return Sym(name, (), index(sup))  # A^{(l)}, \Delta^{(l)}: a batch matrix's layer
    return Sym(name, units) if sup is None else Pow(Sym(name, units), sup)
