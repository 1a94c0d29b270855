"""Conditions in a row: ReLU's derivative written as a unit step, and a layer qualifier.

The unit step of e — the indicator that e > 0 — is read from the forms people write,
\\mathbb{1}[e > 0], \\mathbb{1}\\{e > 0\\}, \\mathbb{1}(e > 0), \\mathbf{1}_{e > 0},
\\mathbb{1}_{\\{e > 0\\}}, 1[e > 0], the Iverson bracket [e > 0] and the Heaviside H(e), with
0 < e, \\gt and e \\geq 0 alike: e ≥ 0 and e > 0 differ only at the kink e = 0, where relu has
no derivative and no draw is taken. Each is the node H(e) (derive.meaning.symbols gives it its
value). \\max(0, e) is ReLU(e). Any other comparison is refused in one line.

A qualifier after a row (``\\quad \\text{for } l = 2, \\dots, n_l - 1``, ``\\text{for } 2 \\le l < n_l``,
``(l < n_l)``, ``\\text{(hidden layers)}``, ``\\text{for the output layer}``, ``\\forall\\, l < n_l``) makes every
side of the row a ``Qualified`` node: the row holds for those layers only. ``\\forall l`` (or ``\\forall i, j``)
bounds nothing and adds nothing.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from derive.errors import ParseError
from derive.reader.ast import Add, Call, Neg, Node, Num, Qualified, Relation, Sym, Var, descendants, rebuild
from derive.reader.notation import index
from derive.reader.tokens import COMPARISONS, Tok, fail

if TYPE_CHECKING:
    from derive.reader.parse import _Parser

__all__ = ["STEP", "RELU", "special", "stray", "cut", "qualify"]

STEP = "H"  # the unit step (Heaviside): 1 where its argument is positive, 0 where it is negative
RELU = "ReLU"  # how the registry reads relu: \max(0, e) is ReLU(e)
ZERO = Num(Fraction(0))
_OPENERS, _CLOSERS = {"(", "[", "{", "\\{", "lnorm"}, {")", "]", "}", "\\}", "rnorm"}
_PHRASE = frozenset("for in on at the all every each of layer layers".split())  # around "hidden" or "output"
_LEADS = frozenset({"", "for", "for all", "for every", "for each", "for any", "if", "when", "where", "with"})
_DEEP = 100  # a depth at which a range written from its top (l = n_l - 1, …, 2) shows its direction


def special(p: _Parser, tok: Tok) -> Node:
    """What \\mathbb{1} (or \\mathbf{1}), \\max or an opening [ starts."""
    if tok.kind == "max":
        return _maximum(p, tok)
    if tok.kind == "[":
        return _group(p, tok, iverson=True)
    after = p.next()
    if after.kind == "_":  # \mathbf{1}_{e > 0}, \mathbb{1}_{\{e > 0\}}
        brace = p.next()
        if brace.kind != "{":
            raise fail(f"write the condition of {tok.text} in braces, {tok.text}_{{z > 0}}", brace.col)
        inner = p.next() if p.peek().kind == "\\{" else None
        node = _group(p, inner, iverson=False) if inner else _condition(p)
        p.close(brace)
        return node
    if after.kind in ("[", "(", "\\{"):
        return _group(p, after, iverson=False)
    raise fail(f"expected a condition after {tok.text}, as in {tok.text}[z > 0]", after.col)


def _group(p: _Parser, opener: Tok, iverson: bool) -> Node:
    """A condition between brackets; for a bare [ (``iverson``), any expression in brackets."""
    saved = p.enter()
    node = p.expr() if iverson else _condition(p)
    if iverson and p.peek().kind == "cmp":
        node = _condition(p, node)
    p.close(opener)
    p.leave(saved)
    return node


def _condition(p: _Parser, left: Node | None = None) -> Node:
    """e > 0 (or 0 < e, e ≥ 0) as the step H(e); any other comparison is refused."""
    left = p.expr() if left is None else left
    cmp = p.next()
    if cmp.kind != "cmp":
        raise fail(f"expected a comparison such as z > 0, found {cmp}", cmp.col)
    right, op = p.expr(), _op(cmp)
    if p.peek().kind == "cmp" or not ((op in (">", ">=") and right == ZERO) or (op in ("<", "<=") and left == ZERO)):
        raise fail(f"cannot read the condition {left} {cmp.text} {right}: derive reads the unit step "
                   "\\mathbb{1}[e > 0] (or e \\geq 0, 0 < e) of ReLU's derivative", cmp.col)
    return Call(STEP, (left if right == ZERO else right,))


def _maximum(p: _Parser, tok: Tok) -> Node:
    """\\max(0, e) or \\max\\{e, 0\\}: ReLU(e)."""
    opener = p.next()
    if opener.kind in ("(", "\\{"):
        items, _ = p.group(opener, ",")
        if len(items) == 2 and ZERO in items:
            return Call(RELU, (items[1] if items[0] == ZERO else items[0],))
    raise fail("cannot read this \\max: derive reads \\max(0, e) only, as ReLU(e)", tok.col)


def stray(tok: Tok) -> ParseError:
    """The error for a comparison outside an indicator and a qualifier."""
    return fail(f"cannot read the comparison '{tok.text}' here: derive reads a comparison only as the unit step "
                "\\mathbb{1}[e > 0] or as a layer qualifier, \\text{for } l < n_l", tok.col)


# ---------------------------------------------------------------- the layer qualifier of a row


def cut(toks: list[Tok]) -> tuple[list[Tok], list[Tok] | None]:
    """A row's tokens without its trailing qualifier, and the qualifier's (None: it has none). A qualifier
    starts at \\text{…} or a comma outside brackets, or is a last (…) group that compares the layer l."""
    depth = 0
    for k, tok in enumerate(toks):
        after = toks[k + 1] if tok.kind == "," else tok
        if depth == 0 and (after.kind == "text" or (after is not tok and _is_l(after)) or _parenthesised(toks, k)):
            return [*toks[:k], Tok("end", "", tok.col)], toks[k:-1]
        depth += (tok.kind in _OPENERS) - (tok.kind in _CLOSERS)
    return toks, None


def _op(tok: Tok) -> str:
    """A comparison as one of >, <, >=, <=, != (\\geq is >=)."""
    return COMPARISONS[tok.text.lstrip("\\")]


def _is_l(tok: Tok) -> bool:
    return tok.kind == "name" and tok.text == "l"


def _parenthesised(toks: list[Tok], k: int) -> bool:
    """Whether toks[k] opens a last group (…) that compares a bare l: (l < n_l), (2 \\le l \\le n_l - 1)."""
    if toks[k].kind != "(" or toks[-2].kind != ")" or (k and toks[k - 1].kind == "indicator"):
        return False
    inner = toks[k + 1:-2]
    return all(t.kind not in ("(", ")") for t in inner) and any(
        _is_l(t) and (n == 0 or inner[n - 1].kind not in ("_", "^")) and
        any(u.kind in ("cmp", "=", "in") for u in inner[max(n - 1, 0):n + 2]) for n, t in enumerate(inner))


def qualify(p: _Parser, read: Relation | Node) -> Relation | Node:
    """What was ``read`` (a row, or one expression) with each side qualified by the qualifier ``cut`` took
    (``p.tail``; None: as it is)."""
    if p.tail is None:
        return read
    p.toks, p.i = [*p.tail, Tok("end", "", p.tail[-1].col + 1)], 0
    found = _qualifier(p, read.lhs if isinstance(read, Relation) else read)
    if found is None:  # it says what the row's own layer says: a^{n_l}_i = z^{n_l}_i (output layer)
        return read
    wrap = lambda side: Qualified(side, *found)
    if isinstance(read, Relation):
        return Relation(None if read.lhs is None else wrap(read.lhs), tuple(map(wrap, read.rhs)), read.defines)
    return wrap(read)


def _qualifier(p: _Parser, lhs: Node | None) -> tuple[Node, Node | None, Node | None] | None:
    """(layer, lower, upper) of a qualifier (None: it adds nothing); its words and, unless they name the layers,
    its condition."""
    words, start = [], p.peek()
    while p.peek().kind in ("text", ","):
        tok = p.next()
        if tok.kind == "text":
            words += tok.text.replace("(", " ").replace(")", " ").replace(":", " ").lower().split()
    named = next((w for w in ("hidden", "output") if w in words), None)
    if named is not None and set(words) - _PHRASE <= {named} and p.peek().kind == "end":
        layer = _output_L(lhs.sup) if isinstance(lhs, Sym) and lhs.sup is not None else None
        n_l = Var("n_l")
        if (named, layer) == ("output", n_l):
            return None
        if layer is None or "l" not in _letters(layer):
            raise fail(f"the {named} layers of what? The row's left side has no layer l", start.col)
        return (layer, Num(Fraction(2)), _shift(n_l, -1)) if named == "hidden" else (layer, n_l, n_l)
    if " ".join(words) not in _LEADS:
        raise fail(f"cannot read the qualifier \"{' '.join(words)}\": write \\text{{for }} l = 2, \\dots, n_l - 1, "
                   "\\text{for } l < n_l or \\text{(hidden layers)}", start.col)
    if words[:2] == ["for", "all"] and _letters_only(p):  # \forall l, \forall i, j: every one, so nothing to add
        return None
    opener = p.next() if p.peek().kind == "(" else None
    found = _range(p)
    if opener is not None:
        p.close(opener)
    p.finish()
    return found


def _letters_only(p: _Parser) -> bool:
    """Whether the rest of the qualifier is index letters and commas only (l; i, j)."""
    rest = p.toks[p.i:]
    return len(rest) > 1 and all(t.kind == "," or (t.kind == "name" and len(t.text) == 1) for t in rest[:-1])


def _range(p: _Parser) -> tuple[Node, Node | None, Node | None]:
    """l = a, …, b; l \\in \\{a, …, b\\}; a \\le l < b (either way round)."""
    items, ops = [_bound(p)], []
    if p.peek().kind in ("=", "in"):
        if p.next().kind == "in":
            opener = p.next()
            if opener.kind not in ("\\{", "["):
                raise fail("write the layers as \\{2, \\dots, n_l - 1\\}", opener.col)
            listed = _listed(p, opener.kind == "[")
            p.close(opener)
        else:
            listed = _listed(p, False)
        if "l" not in _letters(items[0]) or any("l" in _letters(n) for n in listed):
            raise fail(f"a qualifier gives the layer l a range (l = 2, \\dots, n_l - 1), not {items[0]}", p.peek().col)
        lower, upper = sorted(listed, key=lambda n: _at(n, _DEEP))
        return items[0], lower, upper
    while p.peek().kind == "cmp":
        ops.append(p.next())
        items.append(_bound(p))
    kinds = {_op(t).rstrip("=") for t in ops}
    if len(kinds) != 1 or kinds <= {"!"}:
        raise fail("cannot read the qualifier: write the layers as l = 2, \\dots, n_l - 1 or 2 \\le l < n_l",
                   (ops or [p.peek()])[0].col)
    if kinds == {">"}:
        items, ops = items[::-1], ops[::-1]
    at = [n for n, item in enumerate(items) if "l" in _letters(item)]
    if len(at) != 1 or len(items) > 3 or at[0] > 1 or at[0] + 2 < len(items):
        raise fail("a qualifier compares the layer l with at most one bound on each side", ops[0].col)
    k = at[0]
    strict = [_op(t) in ("<", ">") for t in ops]
    low = (_shift(items[0], 1) if strict[0] else items[0]) if k else None
    high = None if k + 1 == len(items) else _shift(items[k + 1], -1) if strict[k] else items[k + 1]
    return items[k], low, high


def _listed(p: _Parser, interval: bool) -> tuple[Node, Node]:
    """a, …, b (or a, a+1, …, b; a alone), or, in [a, b], the interval: its first and last layer."""
    items, dots = [_bound(p)], False
    while p.peek().kind == ",":
        p.next()
        if p.peek().kind == "dots":
            dots = bool(p.next())
        else:
            items.append(_bound(p))
    if len(items) > 1 and not dots and not (interval and len(items) == 2):
        raise fail("write a range of layers with \\dots: l = 2, \\dots, n_l - 1", p.peek().col)
    return items[0], items[-1]


def _bound(p: _Parser) -> Node:
    """A layer as an index expression; the output layer L is n_l."""
    node = _output_L(index(p.expr()))
    if _letters(node) - {"l", "n_l"}:
        raise fail(f"a qualifier names the layer l, n_l and numbers only, not {node}", p.peek().col)
    return node


def _output_L(node: Node) -> Node:
    """A layer with the output layer L written n_l."""
    return rebuild(node, lambda _, n: Var("n_l") if n in (Var("L"), Sym("L")) else None)


def _letters(node: Node) -> set[str]:
    return {n.name for n in descendants(node) if isinstance(n, (Var, Sym))}


def _shift(node: Node, k: int) -> Node:
    """node + k."""
    if isinstance(node, Num):
        return Num(node.value + k)
    step = Num(Fraction(k)) if k > 0 else Neg(Num(Fraction(-k)))
    return Add((*(node.terms if isinstance(node, Add) else (node,)), step))


def _at(node: Node, n_l: int) -> Fraction:
    """A bound's value at depth n_l."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Add):
        return sum((_at(t, n_l) for t in node.terms), Fraction(0))
    if isinstance(node, Neg):
        return -_at(node.x, n_l)
    if node == Var("n_l"):
        return Fraction(n_l)
    raise ParseError(f"cannot read the layer {node} of a qualifier")
