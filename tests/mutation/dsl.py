"""A mini-language for the seed's equations: expression trees that print as the seed's LaTeX.

Trees are frozen dataclasses (equal and hashed by value). ``latex`` prints one in the seed's style (the
seed's text up to whitespace); ``oracle`` gives it a meaning in plain SymPy; ``operators`` edit it.

Index letters have a *position*: a unit position (subscripts of W, b, z, a, δ, y) or a sample position
(the superscript of x^i, y^i, h_{W,b}(x^i), J(W,b;x^i,y^i)). A sum whose upper bound is m binds its letter
in sample positions only, as the seed means it: in its full-gradient formula the i of W_{ij} inside
``\\sum_{i=1}^m`` is the unit of the left-hand side, the i of x^i the sample.

>>> latex(Sym("W", Layer("l"), ("j", "i")))
'W_{ji}^l'
>>> latex(Sum("j", Size(Layer("n_l"), capital=True), Pow(Paren(Add((Term(1, Data("y", "j")),
...       Term(-1, Sym("a", Layer("n_l"), ("j",)))))), 2)))
'\\\\sum_{j=1}^{S_{n_l}} (y_j - a_j^{n_l})^2'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass

__all__ = ["Node", "Layer", "Num", "Lam", "M", "Size", "Sym", "Data", "Call", "H", "Loss", "Frac", "Neg", "Term",
           "Add", "Mul", "Pow", "Paren", "Norm", "Sum", "Deriv", "Row", "latex", "fields", "children", "walk"]


class Node:
    """Base of every tree node."""


@dataclass(frozen=True)
class Layer(Node):
    """A layer: ``base`` ("l", "n_l", or "" for a number) plus ``offset``; also the bound of a sum over layers."""

    base: str
    offset: int = 0


@dataclass(frozen=True)
class Num(Node):
    value: int


@dataclass(frozen=True)
class Lam(Node):
    """λ, the weight of the L2 term."""


@dataclass(frozen=True)
class M(Node):
    """m, the number of samples."""


@dataclass(frozen=True)
class Size(Node):
    """s_L (``capital``: S_L), the number of units of layer L."""

    layer: Layer
    capital: bool = False


@dataclass(frozen=True)
class Sym(Node):
    """W^L_{ij}, b^L_i, z^L_i, a^L_i or δ^L_i (name "delta"); ``brace`` prints b_{i} for b_i."""

    name: str
    layer: Layer
    subs: tuple[str, ...]
    brace: bool = False


@dataclass(frozen=True)
class Data(Node):
    """x or y: the current sample's (``sample`` None) or sample ``sample``'s; ``sub`` picks one unit (y_i)."""

    name: str
    sub: str | None = None
    sample: str | None = None


@dataclass(frozen=True)
class Call(Node):
    """f(arg) or f'(arg) (``fn`` "f" or "f'")."""

    fn: str
    arg: Node


@dataclass(frozen=True)
class H(Node):
    """h_{W,b}(x) (``sample`` None) or h_{W,b}(x^i): the output layer, a vector."""

    sample: str | None = None


@dataclass(frozen=True)
class Loss(Node):
    """J(W,b) (``full``) or J(W,b;x^xs,y^ys) (xs, ys None: the current sample), printed by ``style``."""

    full: bool
    xs: str | None = None
    ys: str | None = None
    style: str = "J(W,b;{x},{y})"


@dataclass(frozen=True)
class Frac(Node):
    num: Node
    den: Node


@dataclass(frozen=True)
class Neg(Node):
    x: Node


@dataclass(frozen=True)
class Term(Node):
    """One term of a sum, with its sign; ``brk`` line breaks before it (1: before the sign, 2: around it)."""

    sign: int
    x: Node
    brk: int = 0


@dataclass(frozen=True)
class Add(Node):
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Mul(Node):
    factors: tuple[Node, ...]


@dataclass(frozen=True)
class Pow(Node):
    base: Node
    exp: int


@dataclass(frozen=True)
class Paren(Node):
    """Brackets as written: "()", "left(" (\\left( \\right)) or "left[" (\\left[ \\right])."""

    x: Node
    kind: str = "()"


@dataclass(frozen=True)
class Norm(Node):
    """\\Vert x \\Vert (``brace``: \\Vert{x}\\Vert), the Euclidean norm of a vector."""

    x: Node
    brace: bool = False


@dataclass(frozen=True)
class Sum(Node):
    """\\sum_{var=1}^{upper} body; upper is M (a sum over samples), a Layer (over layers) or a Size (over
    units). The body runs to the end of the product term. ``brk``: a line break after the sign."""

    var: str
    upper: Node
    body: Node
    brk: bool = False


@dataclass(frozen=True)
class Deriv(Node):
    """∂body/∂wrt: \\frac{\\partial}{\\partial wrt} body, or (``frac``) \\frac{\\partial body}{\\partial wrt}."""

    wrt: Sym
    body: Node
    frac: bool = False


@dataclass(frozen=True)
class Row:
    """A row of a display equation, starting at seed line ``line``: ``lhs`` (None when the row starts with
    ``&=``) and ``rhs``; ``align`` writes ``&=`` after the lhs."""

    line: int
    lhs: Node | None
    rhs: Node
    align: bool = False

    def sides(self) -> dict[str, Node]:
        return {"rhs": self.rhs} if self.lhs is None else {"lhs": self.lhs, "rhs": self.rhs}


# ---------------------------------------------------------------- printing


def _layer(n: Layer) -> str:
    if not n.base:
        return str(n.offset)
    return n.base + (f"{n.offset:+d}" if n.offset else "")


def _script(mark: str, text: str, brace: bool = False) -> str:
    return f"{mark}{text}" if len(text) == 1 and not brace else f"{mark}{{{text}}}"


def _sym(n: Sym) -> str:
    name = "\\delta" if n.name == "delta" else n.name
    return name + _script("_", "".join(n.subs), n.brace) + _script("^", _layer(n.layer))


def _data(n: Data) -> str:
    return n.name + (_script("_", n.sub) if n.sub else "") + (_script("^", n.sample) if n.sample else "")


def _loss(n: Loss) -> str:
    if n.full:
        return n.style
    return n.style.format(x="x" + (f"^{n.xs}" if n.xs else ""), y="y" + (f"^{n.ys}" if n.ys else ""))


def _add(n: Add) -> str:
    out = []
    for k, t in enumerate(n.terms):
        body = latex(t.x)
        if isinstance(t.x, Add):
            body = f"({body})"
        sign = "-" if t.sign < 0 else ("" if k == 0 else "+")
        sep = {0: " ", 1: "\n", 2: "\n"}[t.brk] if k else ""
        after = "\n" if t.brk == 2 else " "
        out.append(f"{sep}{sign}{after}{body}" if sign else f"{sep}{body}")
    return "".join(out)


def _mul(n: Mul) -> str:
    return " ".join(f"({latex(f)})" if isinstance(f, Add) or (isinstance(f, Neg) and k) else latex(f)
                    for k, f in enumerate(n.factors))


def _paren(n: Paren) -> str:
    if n.kind == "()":
        return f"({latex(n.x)})"
    return f"\\left{n.kind[-1]} {latex(n.x)} \\right{')' if n.kind == 'left(' else ']'}"


def _pow(n: Pow) -> str:
    base = latex(n.base)
    return (base if isinstance(n.base, (Paren, Norm)) else f"{{{base}}}") + f"^{n.exp}"


def _sum(n: Sum) -> str:
    head = f"\\sum_{{{n.var}=1}}" + _script("^", latex(n.upper))
    return head + ("\n" if n.brk else " ") + latex(n.body)


def _deriv(n: Deriv) -> str:
    body = latex(n.body)
    if n.frac:
        return f"\\frac{{\\partial {body}}}{{\\partial {latex(n.wrt)}}}"
    return f"\\frac{{\\partial}}{{\\partial {latex(n.wrt)}}} " + (f"({body})" if isinstance(n.body, Add) else body)


_PRINT: dict[type, Callable] = {
    Layer: _layer,
    Num: lambda n: str(n.value),
    Lam: lambda n: "\\lambda",
    M: lambda n: "m",
    Size: lambda n: ("S" if n.capital else "s") + _script("_", _layer(n.layer)),
    Sym: _sym,
    Data: _data,
    Call: lambda n: f"{n.fn}({latex(n.arg)})",
    H: lambda n: "h_{W,b}(x" + (f"^{n.sample}" if n.sample else "") + ")",
    Loss: _loss,
    Frac: lambda n: f"\\frac{{{latex(n.num)}}}{{{latex(n.den)}}}",
    Neg: lambda n: "-" + (f"({latex(n.x)})" if isinstance(n.x, (Add, Neg)) else latex(n.x)),
    Term: lambda n: latex(n.x),
    Add: _add,
    Mul: _mul,
    Pow: _pow,
    Paren: _paren,
    Norm: lambda n: f"\\Vert{{{latex(n.x)}}}\\Vert" if n.brace else f"\\Vert {latex(n.x)} \\Vert",
    Sum: _sum,
    Deriv: _deriv,
}


def latex(node: Node | Row) -> str:
    """The LaTeX of a tree, or of a row (``lhs &= rhs``, ``lhs = rhs`` or ``&= rhs``)."""
    if isinstance(node, Row):
        rel = "&=" if node.align or node.lhs is None else "="
        return (f"{latex(node.lhs)} " if node.lhs is not None else "") + f"{rel} {latex(node.rhs)}"
    try:
        return _PRINT[type(node)](node)
    except KeyError:
        raise TypeError(f"no printer for {type(node).__name__}") from None


# ---------------------------------------------------------------- walking


def fields(node: Node) -> Iterator[tuple[str, int | None, Node]]:
    """(field name, position in a tuple field or None, subtree) for every direct subtree of ``node``."""
    for field in dataclasses.fields(node):  # type: ignore[arg-type]
        value = getattr(node, field.name)
        if isinstance(value, Node):
            yield field.name, None, value
        elif isinstance(value, tuple):
            yield from ((field.name, k, v) for k, v in enumerate(value) if isinstance(v, Node))


def children(node: Node) -> tuple[Node, ...]:
    """The direct subtrees of a node."""
    return tuple(child for _, _, child in fields(node))


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents first."""
    yield node
    for _, _, child in fields(node):
        yield from walk(child)
