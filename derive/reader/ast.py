"""The AST of the seed's index notation and of vector form: frozen, hashable nodes whose str() is readable LaTeX.

str() of a parsed node parses back to an equal node (integer constants), so error
messages can quote exactly what the reader understood.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from derive.primitives import function
from derive.reader.node import Columns, Node, Qualified, admitted, children, descendants, rebuild
from derive.reader.tokens import GREEK, OPERATORS

__all__ = [
    "Node", "Qualified", "Columns", "admitted", "Num", "Var", "Sym", "Call", "Add", "Mul", "Neg", "Pow", "Frac",
    "Sum", "Derivative", "Norm", "Transpose", "Hadamard", "Kronecker", "Relation", "children", "descendants",
    "rebuild", "spelled",
]


def _tex(name: str) -> str:
    """Spell a stored name as LaTeX: "delta" -> "\\delta", "f'" -> "f'", "n_l" unchanged,
    "Name" -> "\\operatorname{Name}" (a name TeX has no macro for)."""
    base = name.rstrip("'")
    if len(base) <= 1 or not base.isalpha():
        return name
    if base in GREEK or base in OPERATORS:
        return "\\" + name
    return f"\\operatorname{{{base}}}" + name[len(base):]


def spelled(name: str) -> str:
    """A function's name as LaTeX: "tanh" -> "\\tanh", "sigma" -> "\\sigma", "f'" -> "f'"."""
    fn = function(name)
    return fn.tex if fn is not None else _tex(name)


def _wrap(node: Node, weakest: int) -> str:
    """str(node), parenthesised when it binds more weakly than `weakest` requires."""
    text = str(node)
    return f"({text})" if _strength(node) < weakest else text


def _strength(node: Node) -> int:
    """How tightly a node binds: 1 sum of terms, 2 entrywise product of products, 3 prefix operators (whose
    body ends at ⊙), 4 product, 5 atom."""
    if isinstance(node, Add):
        return 1
    if isinstance(node, Hadamard):
        return 2
    if isinstance(node, (Neg, Sum, Derivative)):
        return 3
    if isinstance(node, Mul):
        return 4
    return 5


@dataclass(frozen=True)
class Num(Node):
    """A constant, exact."""

    value: Fraction

    def __str__(self) -> str:
        """Integers and finite decimals as written (0.5, not 1/2); anything else as p/q."""
        num, den = self.value.numerator, self.value.denominator
        for places in range(4 * len(str(den)) + 1):
            if 10**places % den == 0:
                scaled = abs(num) * (10**places // den)
                digits = str(scaled).rjust(places + 1, "0")
                sign = "-" if num < 0 else ""
                return sign + digits if not places else f"{sign}{digits[:-places]}.{digits[-places:]}"
        return str(self.value)


@dataclass(frozen=True)
class Var(Node):
    """An index letter (i, j, k, l, m) or n_l, where it stands for an integer."""

    name: str

    def __str__(self) -> str:
        return _tex(self.name)


@dataclass(frozen=True)
class Sym(Node):
    """An indexed quantity: units in `sub`, layer in `sup`, sample (x, y; a, z, δ as a^{(l)(k)}) in `sample`;
    "ones" is \\mathbf{1}, the vector of m ones."""

    name: str
    sub: tuple[Node, ...] = ()
    sup: Node | None = None
    sample: Node | None = None

    def __str__(self) -> str:
        text = "\\mathbf{1}" if self.name == "ones" else _tex(self.name)
        if self.sub:
            letters = all(isinstance(i, Var) and len(i.name) == 1 for i in self.sub)
            text += "_{" + ("" if letters else ", ").join(map(str, self.sub)) + "}"
        if self.sup is not None and self.sample is not None:  # a^{(l)(k)}: unit i of a^l at sample k
            return text + f"^{{({self.sup})({self.sample})}}"
        if self.sup is not None:  # a batch matrix's layer in parentheses: A^{(l)} (A^l is a power)
            text += f"^{{({self.sup})}}" if self.name[0].isupper() and self.name not in ("W", "Theta") else \
                "^{" + str(self.sup) + "}"
        if self.sample is not None:
            text += "^{(" + str(self.sample) + ")}"
        return text


@dataclass(frozen=True)
class Call(Node):
    """A function applied to arguments: f(z), f'(z), h_{W,b}(x), J(W,b;x,y), exp(...)."""

    name: str
    args: tuple[Node, ...]
    sub: tuple[Node, ...] = ()
    sup: Node | None = None
    semicolon: bool = False

    def __str__(self) -> str:
        text = spelled(self.name)
        if self.sub:
            text += "_{" + ", ".join(map(str, self.sub)) + "}"
        if self.sup is not None:
            text += "^{" + str(self.sup) + "}"
        args = [str(a) for a in self.args]
        if self.semicolon:  # only the flag is kept: print the usual (parameters; data) halves
            half = (len(args) + 1) // 2
            return f"{text}({', '.join(args[:half])}; {', '.join(args[half:])})"
        return f"{text}({', '.join(args)})"


@dataclass(frozen=True)
class Add(Node):
    """A sum of terms; subtraction is a Neg term."""

    terms: tuple[Node, ...]

    def __str__(self) -> str:
        parts = [_wrap(self.terms[0], 2)]
        for term in self.terms[1:]:
            if isinstance(term, Neg):
                parts.append("- " + _wrap(term.x, 4))
            else:
                parts.append("+ " + _wrap(term, 2))
        return " ".join(parts)


@dataclass(frozen=True)
class Mul(Node):
    """A product of factors, written by juxtaposition, \\cdot or \\times."""

    factors: tuple[Node, ...]

    def __str__(self) -> str:
        # A prefix operator swallows what follows it, so only the last factor may go bare.
        last = len(self.factors) - 1
        return " ".join(_wrap(f, 3 if i == last and not isinstance(f, Neg) else 4)
                        for i, f in enumerate(self.factors))


@dataclass(frozen=True)
class Neg(Node):
    """Negation of a whole product term."""

    x: Node

    def __str__(self) -> str:
        return "-" + _wrap(self.x, 4)


@dataclass(frozen=True)
class Pow(Node):
    """base^exp, for powers of expressions and of scalars such as \\lambda or m."""

    base: Node
    exp: Node

    def __str__(self) -> str:
        plain = isinstance(self.base, (Norm, Call, Frac)) or (
            isinstance(self.base, Num) and self.base.value.denominator == 1 and self.base.value >= 0)
        base = str(self.base) if plain else f"({self.base})"
        return f"{base}^{{{self.exp}}}"


@dataclass(frozen=True)
class Frac(Node):
    """num / den, from \\frac{..}{..} or a slash."""

    num: Node
    den: Node

    def __str__(self) -> str:
        return f"\\frac{{{self.num}}}{{{self.den}}}"


@dataclass(frozen=True)
class Sum(Node):
    """\\sum_{var=lower}^{upper} body; the body is the rest of the product term."""

    var: Var | None
    lower: Node | None
    upper: Node | None
    body: Node

    def __str__(self) -> str:
        text = "\\sum"
        if self.var is not None:
            text += f"_{{{self.var}" + ("" if self.lower is None else f"={self.lower}") + "}"
        if self.upper is not None:
            text += f"^{{{self.upper}}}"
        return f"{text} {_wrap(self.body, 3)}"


@dataclass(frozen=True)
class Derivative(Node):
    """d body / d wrt; body None when the operator \\frac{\\partial}{\\partial x} stands alone."""

    wrt: Sym
    body: Node | None

    def __str__(self) -> str:
        text = f"\\frac{{\\partial}}{{\\partial {self.wrt}}}"
        return text if self.body is None else f"{text} {_wrap(self.body, 3)}"


@dataclass(frozen=True)
class Norm(Node):
    """The Euclidean norm \\| x \\|."""

    x: Node

    def __str__(self) -> str:
        return f"\\lVert {self.x} \\rVert"  # unambiguous even when norms nest


@dataclass(frozen=True)
class Transpose(Node):
    """x^T: a vector or matrix written without indices, transposed."""

    x: Node

    def __str__(self) -> str:  # W^{(l)T}, x^{(i)T}: no parentheses, which after a letter would make a call
        if isinstance(self.x, Sym) and not self.x.sub and (self.x.sup is None or self.x.sample is None):
            script = self.x.sup if self.x.sup is not None else self.x.sample
            if self.x.name == "ones":
                return "\\mathbf{1}^{T}"
            return _tex(self.x.name) + "^{" + ("" if script is None else f"({script})") + "T}"
        return f"\\left({self.x}\\right)^{{T}}"


@dataclass(frozen=True)
class Hadamard(Node):
    """The entrywise product x ⊙ y ⊙ … (\\odot, \\circ, \\bullet, .*)."""

    factors: tuple[Node, ...]

    def __str__(self) -> str:
        return " \\odot ".join(_wrap(f, 4 if isinstance(f, Neg) else 3) for f in self.factors)


@dataclass(frozen=True)
class Kronecker(Node):
    """δ_{ij}: 1 where the two unit indices are equal, else 0."""

    i: Node
    j: Node

    def __str__(self) -> str:
        letters = all(isinstance(n, Var) and len(n.name) == 1 for n in (self.i, self.j))
        return f"\\delta_{{{self.i}{'' if letters else ', '}{self.j}}}"


@dataclass(frozen=True)
class Relation:
    """One row: lhs = rhs[0] = rhs[1] ...; lhs is None on a row that continues the previous one."""

    lhs: Node | None
    rhs: tuple[Node, ...]
    defines: bool = False  # written with :=, \equiv, \triangleq: the row defines its left-hand side

    def __str__(self) -> str:
        sides = [*([] if self.lhs is None else [self.lhs]), *self.rhs]
        tails = {s.qualifier() if isinstance(s, Qualified) else "" for s in sides}  # the reader qualifies all alike
        tail = f" \\quad {tails.pop()}" if len(tails) == 1 and "" not in tails else ""
        shown = [str(s.x) if tail and isinstance(s, Qualified) else str(s) for s in sides]
        return ("= " if self.lhs is None else "") + " = ".join(shown) + tail
