"""Other authors' notation, read as the seed's by rewriting the AST before it means anything.

Always: the cost written C, L, E or \\mathcal{L} (bare, C_x, or called) is the loss of one
sample, J(W,b;x,y); an output layer written L in a script is n_l. Nielsen's convention
(``NIELSEN``): w^l_{jk} is the weight from unit k of layer l−1 into unit j of layer l and
b^l_j the bias of unit j of layer l, that is the seed's W^{l−1}_{jk} and b^{l−1}_j; z, a and δ
are numbered alike in both. So every later stage (index typing, the all-widths proof, the
evaluator) reads one notation, and a Nielsen-style file is proved in the seed's terms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction

from derive.reader.ast import Add, Call, Neg, Node, Num, Sym, Var, descendants, rebuild

__all__ = ["Convention", "SEED", "NIELSEN", "CONVENTIONS", "plain_variable"]

COSTS = frozenset({"C", "L", "E"})
LOSS = Call("J", (Sym("W"), Sym("b"), Sym("x"), Sym("y")), semicolon=True)


class Convention:
    """A name (as the report says it) and the rewrite of one side of an equation."""

    def __init__(self, key: str, name: str, rewrite: Callable[[Node, Node], Node | None]):
        self.key, self.name, self._rewrite = key, name, rewrite  # key: as the front matter and the CLI spell it

    def __call__(self, node: Node | None) -> Node | None:
        return None if node is None else rebuild(node, lambda old, new: _common(new) or self._rewrite(old, new))

    def __repr__(self) -> str:
        return f"Convention({self.name!r})"


def _common(node: Node) -> Node | None:
    if isinstance(node, Sym) and node.name in COSTS and node.sup is None and (not node.sub or node.sub == (Sym("x"),)):
        return LOSS
    if isinstance(node, Call) and node.name in COSTS:
        return LOSS
    if isinstance(node, Sym) and isinstance(node.sup, (Var, Sym)) and node.sup.name == "L":
        return replace(node, sup=Var("n_l"))
    if isinstance(node, Sym) and node.sup is not None and _has_output_L(node.sup):
        return replace(node, sup=rebuild(node.sup, lambda _, n: Var("n_l") if n == Var("L") else None))
    return None


def _has_output_L(node: Node) -> bool:
    return node == Var("L") or (isinstance(node, (Add, Neg)) and Var("L") in _parts(node))


def _parts(node: Node) -> tuple:
    return node.terms if isinstance(node, Add) else (node.x,) if isinstance(node, Neg) else ()


def _nielsen(old: Node, node: Node) -> Node | None:
    """w^l_{jk} → W^{l−1}_{jk}, b^l_j → b^{l−1}_j (weights and biases numbered by the layer they feed)."""
    if isinstance(node, Sym) and node.name in ("w", "W", "b") and node.sup is not None:
        return replace(node, name="W" if node.name == "w" else node.name, sup=_minus_one(node.sup))
    return None


def _minus_one(layer: Node) -> Node:
    return Add((layer, Neg(Num(Fraction(1)))))


def plain_variable(lhs: Node, rhs: Node) -> tuple[Node, Node]:
    """An identity of one plain variable (f(z) = 1/(1+e^{−z}), σ'(t) = σ(t)(1 − σ(t))) is read at every
    pre-activation z^l_r of the network: its bare letter becomes z^l_r, when nothing else is indexed."""
    nodes = [n for side in (lhs, rhs) for n in descendants(side)]
    letters = {n.name for n in nodes if isinstance(n, Sym) and n.name in PLAIN and not n.sub and n.sup is None}
    if len(letters) != 1 or any(isinstance(n, Sym) and (n.sub or n.sup is not None) for n in nodes):
        return lhs, rhs
    (letter,) = letters
    at = Sym("z", (Var("r"),), Var("l"))
    swap = lambda _, n: at if n == Sym(letter) else None
    return rebuild(lhs, swap), rebuild(rhs, swap)


PLAIN = frozenset({"z", "t", "u", "v"})  # letters that stand for a pre-activation in an identity of f alone


SEED = Convention("seed", "weights W^l from layer l to l+1", lambda old, new: None)
NIELSEN = Convention("nielsen", "weights w^l into layer l (Nielsen)", _nielsen)
CONVENTIONS = (SEED, NIELSEN)
