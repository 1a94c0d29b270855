"""Parse one row of the seed's LaTeX index notation, or of vector form, into the AST of `derive.reader.ast`.

A TeX-aware tokenizer and a hand-written recursive-descent parser: linear in the
input, nesting capped at MAX_DEPTH, and every failure is a one-line ParseError.
The prefix operators live in derive.reader.operators, the scripts of vector form
(transposes, a norm's F) in derive.reader.vectors.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction

from derive.errors import ParseError
from derive.reader.ast import Add, Columns, Frac, Hadamard, Mul, Neg, Node, Norm, Num, Relation, Sym, spelled
from derive.reader.batch import columns, is_batch, layer_and_sample, listing, ones
from derive.reader.conditions import cut, qualify, special, stray
from derive.reader.notation import LAYERED, call, is_call, symbol
from derive.reader.operators import derivative, gradient, summation
from derive.reader.tokens import CLOSERS, DEFINES, Tok, fail, tokenize
from derive.reader.vectors import AFTER_LAYER, ALONE, WEIGHTS, scripts, transpose, transposed

__all__ = ["MAX_DEPTH", "parse_equation", "parse_expression"]

MAX_DEPTH = 200
_FRAMES_NEEDED = 10 * MAX_DEPTH + 1000  # a nesting level costs at most ~6 parser frames
_ENDS = frozenset({"+", "-", "=", ",", ";", "end", "norm", "cmp", "in", "hadamard", "dots"} | set(CLOSERS.values()))
_AFTER_BARE = frozenset({"/", "mul", "func"})  # \tanh z / 2, \tanh z \cdot y, \sin x \cos x; not \tanh z y


def _extend(factors: list[Node], node: Node) -> None:
    """Append a factor; parentheses leave no trace, so (a b) c is a b c."""
    factors.extend(node.factors if isinstance(node, Mul) else (node,))


_product_of: Callable[[list[Node]], Node] = lambda factors: factors[0] if len(factors) == 1 else Mul(tuple(factors))


class _Parser:
    """Recursive descent over the token list; `depth` counts nested groups and operator bodies."""

    def __init__(self, text: str):
        self.toks, self.tail = cut(tokenize(text))  # a layer qualifier after the row is read last (qualify)
        self.i = self.depth = 0
        self.in_norm = False  # inside \| ... \|, where the next \| closes

    def peek(self, ahead: int = 0) -> Tok:
        return self.toks[min(self.i + ahead, len(self.toks) - 1)]

    def next(self) -> Tok:
        tok = self.peek()
        self.i = min(self.i + 1, len(self.toks) - 1)
        return tok

    def ends_product(self, tok: Tok) -> bool:
        return tok.kind in _ENDS and (tok.kind != "norm" or self.in_norm)

    def finish(self) -> None:
        """Fail unless the whole row was read."""
        tok = self.peek()
        if tok.kind in CLOSERS.values() and tok.kind != "norm":
            raise fail(f"unmatched {tok}", tok.col)
        if tok.kind != "end":
            raise stray(tok) if tok.kind == "cmp" else fail(f"unexpected {tok}", tok.col)

    def relation(self) -> Relation:
        lhs = None if self.peek().kind == "=" else self.expr()
        rhs, defines = [], self.peek().text in DEFINES
        while self.peek().kind == "=":
            self.next()
            rhs.append(self.expr())
        self.finish()
        if isinstance(lhs, Sym) and is_batch(lhs.name) and not lhs.sub and len(rhs) == 1 and isinstance(
                rhs[0], Columns):  # X = [x^{(1)}, …, x^{(m)}] names the batch matrix X (derive.reader.batch)
            rhs, defines = [replace(rhs[0], label=lhs.name, layer=lhs.sup)], True  # the name, for messages
        return Relation(lhs, tuple(rhs), defines)

    def expr(self, one_term: bool = False, entrywise: bool = True) -> Node:
        """Signed product terms joined by + and -; of a run of signs only the parity is kept. ``entrywise``
        False: a term ends at ⊙ (an operator's body)."""
        terms: list[Node] = []
        while True:
            negative = False
            while self.peek().kind in ("+", "-"):
                negative ^= self.next().kind == "-"
            node = self.product() if not entrywise else self.entrywise()
            if negative:
                terms.append(Neg(node))
            else:  # parentheses leave no trace: a + (b + c) is a + b + c
                terms.extend(node.terms if isinstance(node, Add) else (node,))
            if one_term or self.peek().kind not in ("+", "-"):
                return terms[0] if len(terms) == 1 else Add(tuple(terms))

    def entrywise(self) -> Node:
        """Products joined by ⊙ (\\odot, \\circ, \\bullet, .*): a b ⊙ c d is (a b) ⊙ (c d); (a ⊙ b) ⊙ c is a ⊙ b ⊙ c."""
        factors = [self.product()]
        while self.peek().kind == "hadamard":
            self.next()
            factors.append(self.product())
        flat = [f for node in factors for f in (node.factors if isinstance(node, Hadamard) else (node,))]
        return factors[0] if len(factors) == 1 else Hadamard(tuple(flat))

    def product(self) -> Node:
        """Factors by juxtaposition, \\cdot, \\times or *; a/b/c is a over (b c)."""
        num, den = list[Node](), list[Node]()
        _extend(num, self.factor())
        while not self.ends_product(tok := self.peek()):
            if tok.kind in ("/", "mul"):
                self.next()
            _extend(den if tok.kind == "/" else num, self.factor())
        return _product_of(num) if not den else Frac(_product_of(num), _product_of(den))

    def enter(self, norm: bool = False) -> bool:
        """Go one level deeper (refusing to pass MAX_DEPTH); returns the state for leave()."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError(f"nesting deeper than {MAX_DEPTH}")
        saved, self.in_norm = self.in_norm, norm
        return saved

    def leave(self, saved: bool) -> None:
        self.depth, self.in_norm = self.depth - 1, saved

    def inside(self, parse: Callable[[], Node]) -> Node:
        """``parse()`` one level deeper."""
        saved = self.enter()
        node = parse()
        self.leave(saved)
        return node

    def factor(self) -> Node:
        """One factor with its scripts; \\sum and \\frac{\\partial}{..} take the rest of the term."""
        tok = self.next()
        if tok.kind == "num":
            return self.power(Num(Fraction(tok.text)))
        if tok.kind in ("name", "func"):
            return self.named(tok)
        if tok.kind in ("sum", "nabla"):
            return summation(self) if tok.kind == "sum" else gradient(self, tok)
        if tok.kind == "frac":
            if self.peek().kind == "{" and self.peek(1).kind == "partial":
                return derivative(self)
            return self.power(Frac(self.arg(), self.arg()))
        if tok.kind == "[" and listing(self):  # [x^{(1)}, \dots, x^{(m)}]: columns (derive.reader.batch)
            return columns(self, tok)
        if tok.kind == "indicator" and (one := ones(self, tok)) is not None:  # \mathbf{1}: m ones
            return one
        if tok.kind in ("indicator", "max", "["):  # a unit step, \max(0, z), or [·] (derive.reader.conditions)
            return self.power(special(self, tok))
        if tok.kind in CLOSERS and not self.ends_product(tok):
            items, _ = self.group(tok)
            return self.power(Norm(items[0]) if tok.kind in ("norm", "lnorm") else items[0])
        raise fail(f"expected an expression, found {tok}", tok.col)

    def group(self, opener: Tok, separators: str = "") -> tuple[list[Node], bool]:
        """Items between an opener and its closer, split at the given separators."""
        saved = self.enter(norm=opener.kind == "norm")
        items, semicolon = [self.expr()], False
        while self.peek().kind in separators:
            semicolon |= self.next().kind == ";"
            items.append(self.expr())
        self.close(opener)
        self.leave(saved)
        return items, semicolon

    def close(self, opener: Tok) -> None:
        """Consume the closer that matches opener, or say which delimiter is wrong."""
        tok = self.next()
        if tok.kind == CLOSERS[opener.kind]:
            return
        if tok.kind == "end":
            raise fail(f"unclosed {opener}", opener.col)
        if tok.kind in CLOSERS.values():
            raise fail(f"{opener} at column {opener.col} closed by {tok}", tok.col)
        raise stray(tok) if tok.kind == "cmp" else ParseError(
            f"unexpected {tok} at column {tok.col}, inside {opener} opened at column {opener.col}")

    def power(self, node: Node) -> Node:
        """node^{exp}, or its transpose, for anything that is not an indexed symbol (derive.reader.vectors)."""
        return scripts(self, node)

    def arg(self, after: Tok | None = None) -> Node:
        """TeX's macro argument: one token or one {group}."""
        return self.args(after)[0]

    def args(self, after: Tok | None = None, separators: str = "") -> list[Node]:
        """A macro argument, split at ``separators`` inside a {group}: _{i,j} gives two items."""
        tok = self.next()
        if tok.kind == "{":
            items, _ = self.group(tok, separators)
            return items
        if tok.kind == "num" and len(tok.text) > 1 and tok.text[0] != ".":  # x_12 is x_1 times 2
            self.i -= 1
            self.toks[self.i] = Tok("num", tok.text[1:], tok.col + 1)
            tok = Tok("num", tok.text[0], tok.col)
        if tok.kind == "name" or (tok.kind == "num" and tok.text[0] != "."):
            return [Num(Fraction(tok.text)) if tok.kind == "num" else Sym(tok.text)]
        where = "" if after is None else f" after {after}"
        raise fail(f"expected an argument{where}, found {tok}", tok.col)

    def named(self, tok: Tok) -> Node:
        """A letter or macro with its scripts and primes: an indexed symbol, its transpose, or a function call."""
        name = tok.text
        primes, sub, sup, grouped, flip, sample = self.scripts(tok)
        if flip and primes:
            raise fail(f"a transpose of {name}', a derivative", tok.col)
        if flip:
            return transpose(symbol(name, sub, sup, tok.col, grouped, sample), tok.col)
        if not (primes or tok.kind == "func" or (is_call(name) and self.peek().kind == "(")):
            return symbol(name, sub, sup, tok.col, grouped, sample)
        name += "'" * primes
        if self.peek().kind == "(":
            args, semicolon = self.group(self.next(), ",;")
        elif tok.kind == "func" and not primes:  # \tanh z, \log_2 8: TeX's operators take a bare argument
            args, semicolon = [self.bare(name)], False
        else:
            raise fail(f"expected '(' after {name}", self.peek().col)
        return self.power(call(name, args, sub, sup, semicolon, grouped, tok.col))

    def scripts(self, tok: Tok) -> tuple[int, list[Node] | None, Node | None, bool, bool, Node | None]:
        """A name's primes, subscript items, superscript, whether that was ^{(…)}, whether it is transposed, and the
        sample written after the layer (a^{(l)(k)})."""
        name, primes, grouped, flip, upper = tok.text, 0, False, False, False
        sample: Node | None = None
        sub: list[Node] | None = None
        sup: Node | None = None
        vector = tok.kind == "name" and name != "e" and not is_call(name)  # what a transpose may apply to
        while (script := self.peek()).kind in ("_", "^", "'"):
            self.next()
            if script.kind == "^" and name in LAYERED and (both := layer_and_sample(self)) is not None:
                if sup is not None or upper:
                    raise fail("double superscript", script.col)
                (sup, sample), grouped = both, True
                continue
            mark = transposed(self, name) if vector and script.kind == "^" else \
                ALONE if vector and script.kind == "'" and name in WEIGHTS else None
            if mark is not None and (flip or (mark == ALONE and script.kind == "^" and (upper or sup is not None))):
                raise fail("double superscript", script.col)
            flip, upper = flip or mark is not None, upper or (mark == ALONE and script.kind == "^")  # upper: ^T
            if mark == ALONE:
                continue
            if script.kind == "'" or (script.kind == "^" and self.primed()):
                if sup is not None:
                    raise fail(f"a prime after the superscript of {name}", script.col)
                primes += 1
            elif (sub is not None) if script.kind == "_" else (sup is not None or upper):
                raise fail(f"double {'sub' if script.kind == '_' else 'super'}script", script.col)
            elif script.kind == "_":
                sub = self.args(script, ",")
            else:
                grouped = [t.kind for t in self.toks[self.i:self.i + 2]] == ["{", "("]
                sup = self.arg(script)
                self.i += mark == AFTER_LAYER  # the mark, moved after the group (derive.reader.vectors)
        return primes, sub, sup, grouped, flip, sample

    def bare(self, name: str) -> Node:
        """An operator's argument without parentheses: one factor, then no juxtaposed one but a call."""
        arg = self.inside(self.factor)
        if not (self.ends_product(tok := self.peek()) or tok.kind in _AFTER_BARE or is_call(tok.text)):
            raise fail(f"write the argument of {spelled(name)} in parentheses ({tok} follows {arg})", tok.col)
        return arg

    def primed(self) -> bool:
        """After ^: consume \\prime or {\\prime} and say so."""
        kinds = [t.kind for t in self.toks[self.i:self.i + 3]]
        size = 1 if kinds[:1] == ["prime"] else 3 if kinds == ["{", "prime", "}"] else 0
        self.i += size
        return size > 0

    def body(self) -> Node | None:
        """What a prefix operator applies to: the rest of the product term, or None if nothing follows."""
        if self.ends_product(tok := self.peek()) and tok.kind not in ("+", "-"):
            return None
        return self.inside(lambda: self.expr(one_term=True, entrywise=False))


def parse_equation(text: str) -> Relation:
    """Parse one display row, possibly a chain A = B = C, into a Relation.

    A row starting with "=" continues the previous row's chain: its lhs is None.
    Raises ParseError (one line, with the column) for anything not understood.

    >>> str(parse_equation(r"z^{l+1}=W^la^l+b^l"))
    'z^{l + 1} = W^{l} a^{l} + b^{l}'
    """
    return _run(text, _Parser.relation)


def parse_expression(text: str) -> Node:
    """Parse one expression (no "=") into a Node; raises ParseError otherwise.

    >>> str(parse_expression(r"\\delta^{(n_l-1)}_i"))
    '\\\\delta_{i}^{n_l - 1}'
    """
    def whole(parser: _Parser) -> Node:
        node = parser.expr()
        parser.finish()
        return node
    return _run(text, whole)


def _run(text: str, parse):
    """Run a parse with room for MAX_DEPTH levels of a few frames each (pure-Python frames only)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, _FRAMES_NEEDED))
    try:
        return qualify(parser := _Parser(text), parse(parser))
    except RecursionError:  # only when called from very deep already
        raise ParseError(f"nesting deeper than Python's stack allows (limit {limit})") from None
    finally:
        sys.setrecursionlimit(limit)
