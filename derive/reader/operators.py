"""The prefix operators of a row: \\sum, \\frac{\\partial}{\\partial s} and the gradient \\nabla_s.

Each takes the rest of the product term as its body (up to an entrywise product ⊙, which joins products):
\\sum_j W_{ji} \\delta_j f'(z_i) sums the whole product, \\nabla_a C \\odot \\sigma'(z^L) is (∇_a C) ⊙ σ'(z^L).
A gradient is the derivative written with ∇: \\nabla_{W^{(l)}} J is \\frac{\\partial}{\\partial W^{(l)}} J, and
\\nabla_a C, whose a has no layer, is Nielsen's: the gradient by the output activations a^{n_l}.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from derive.reader.ast import Derivative, Node, Sum, Sym, Var
from derive.reader.notation import bare_loss, index
from derive.reader.tokens import Tok, fail

if TYPE_CHECKING:
    from derive.reader.parse import _Parser

__all__ = ["summation", "derivative", "gradient"]


def summation(p: _Parser) -> Sum:
    """\\sum with optional _{i=1} and ^{upper} in either order, then its body."""
    var = lower = upper = None
    for _ in range(2):
        tok = p.peek()
        if tok.kind == "_" and var is None:
            p.next()
            var, lower = _sum_range(p)
        elif tok.kind == "^" and upper is None:
            upper = index(p.arg(p.next()))
    body = p.body()
    if body is None:
        raise fail("\\sum without a body", p.peek().col)
    return Sum(var, lower, upper, body)


def _sum_range(p: _Parser) -> tuple[Var, Node | None]:
    """The subscript of \\sum: i, {i}, or {i=1}."""
    if p.peek().kind != "{":
        var, lower = index(p.arg()), None
    else:
        brace, saved = p.next(), p.enter()
        var, lower = index(p.expr()), None
        if p.peek().kind == "=":
            p.next()
            lower = index(p.expr())
        p.close(brace)
        p.leave(saved)
    if not isinstance(var, Var):
        raise fail(f"summation index {var} is not a letter", p.peek().col)
    return var, lower


def derivative(p: _Parser) -> Node:
    """\\frac{\\partial X}{\\partial s} (body X), or the operator \\frac{\\partial}{\\partial s} BODY."""
    numerator = p.next()
    p.next()  # \partial
    if p.peek().kind == "^":
        raise fail("higher-order derivatives are not supported", p.peek().col)
    body = None if p.peek().kind == "}" else p.inside(p.expr)
    p.close(numerator)
    denominator = p.next()
    if denominator.kind != "{" or p.next().kind != "partial":
        raise fail("expected {\\partial <symbol>} as denominator", denominator.col)
    wrt = p.inside(p.factor)
    if not isinstance(wrt, Sym):
        raise fail(f"derivative with respect to {wrt}, which is not an indexed symbol", denominator.col)
    p.close(denominator)
    if body is None:
        body = p.body()
    return Derivative(wrt, bare_loss(body))


def gradient(p: _Parser, nabla: Tok) -> Derivative:
    """\\nabla_{s} BODY: the derivative of BODY by s. A \\cdot in the body would make it a dot product with the
    gradient (\\nabla_a J \\cdot e_j), which is refused: write the entry, \\frac{\\partial J}{\\partial a_j}."""
    if p.next().kind != "_":
        raise fail("write what \\nabla differentiates by: \\nabla_{W^{(l)}} J, \\nabla_a C", nabla.col)
    wrt = p.arg(nabla)
    if not isinstance(wrt, Sym) or wrt.sample is not None:
        raise fail(f"a gradient by {wrt}, which is not a layer's quantity", nabla.col)
    if wrt == Sym("a"):  # ∇_a C: the output layer's, as Nielsen writes it
        wrt = Sym("a", (), Var("n_l"))
    start, body = p.i, p.body()
    if body is None:
        raise fail(f"\\nabla_{{{wrt}}} without what it differentiates", p.peek().col)
    dots = [t for t in p.toks[start:p.i] if t.text == "\\cdot"]
    if dots:
        raise fail(f"\\nabla_{{{wrt}}} \\cdot …: a dot product with a gradient is not read; write its entries, "
                   f"\\frac{{\\partial J}}{{\\partial {wrt}_j}}", dots[0].col)
    return Derivative(wrt, bare_loss(body))
