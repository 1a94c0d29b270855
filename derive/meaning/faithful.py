"""Which arguments f may take, and which denominators count as widths, in the all-widths fragment
(docs/all-widths.md, §3).

An argument that is the same polynomial in the letters at every width, and never a
forward quantity, keeps f(argument) one letter at every width; so does a forward
quantity written out in full. Anything else can equal a forward quantity at one width
and not at another.
"""

from __future__ import annotations

from derive.meaning.indices import is_width
from derive.reader.ast import Add, Mul, Node, Norm, Num, Pow, Sum, Sym, Var, descendants

__all__ = ["faithful", "widths_only"]


def faithful(arg: Node) -> bool:
    """f may take a sum-free argument that holds no part of a forward quantity (a bias b^L_p beside a
    weight W^L_{p·}), or exactly a forward quantity written out: Σ_q W^L_{pq} a^L_q + b^L_p. Anything
    else can equal a forward quantity at one width and not at another (docs/all-widths.md)."""
    inside = list(descendants(arg))
    if not any(isinstance(n, (Sum, Norm)) or is_width(n) or (isinstance(n, (Var, Sym)) and n.name == "m")
               for n in inside):
        biases = {(str(n.sup), str(n.sub[0])) for n in inside if isinstance(n, Sym) and n.name == "b" and n.sub}
        weights = {(str(n.sup), str(n.sub[0])) for n in inside if isinstance(n, Sym) and n.name in ("W", "w") and n.sub}
        return not biases & weights
    return _forward_quantity(arg)


def _forward_quantity(arg: Node) -> bool:
    """Exactly Σ_{q=1}^{s_L} W^L_{pq} a^L_q + b^L_p (in either order; the product in either order)."""
    if not (isinstance(arg, Add) and len(arg.terms) == 2):
        return False
    total = next((t for t in arg.terms if isinstance(t, Sum)), None)
    bias = next((t for t in arg.terms if isinstance(t, Sym) and t.name == "b"), None)
    if total is None or bias is None or total.var is None or len(bias.sub) != 1 or not isinstance(total.body, Mul):
        return False
    q, p, L = total.var, bias.sub[0], bias.sup
    want = {Sym("W", (p, q), L), Sym("a", (q,), L)}
    width = total.upper
    return (len(total.body.factors) == 2 and set(total.body.factors) in (want, {Sym("w", (p, q), L), Sym("a", (q,), L)})
            and is_width(width) and isinstance(width, Sym) and width.sub[0] == L and p != q)


def widths_only(node: Node) -> bool:
    """A product of widths, m and numbers (1/s_T is a polynomial's worth of one more sum)."""
    if isinstance(node, Num) or is_width(node) or (isinstance(node, (Var, Sym)) and node.name == "m"):
        return True
    if isinstance(node, Mul):
        return all(map(widths_only, node.factors))
    if isinstance(node, Pow):
        return widths_only(node.base) and isinstance(node.exp, Num)
    return False
