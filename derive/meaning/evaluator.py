"""The evaluator: what an equation read from LaTeX means on one network, node by node.

One method per AST node class, dispatched through an explicit table that must
cover every node class of derive.reader.ast (checked when this module loads),
so a new or renamed node is an error a test hits, never a row silently left
"not checked". Names are looked up in the symbol table (derive.meaning.symbols);
notation remarks come back with the value (derive.meaning.remarks), and a work
budget bounds what one step may cost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from derive.errors import NotUnderstood
from derive.meaning.arrays import Mat, Vec, combine, entries, product, scale
from derive.meaning.batch import sample_layer
from derive.meaning.derivatives import derivative as by_derivative
from derive.meaning.indices import INDEX_LETTERS, ShapeError
from derive.meaning.remarks import sample_and_unit
from derive.meaning.symbols import LAYERED, PARAMETERS, Env, SymbolTable, Unfit
from derive.meaning.undefined import apply, defined
from derive.reader import ast
from derive.reader.ast import (
    Add,
    Call,
    Derivative,
    Frac,
    Hadamard,
    Kronecker,
    Mul,
    Neg,
    Node,
    Norm,
    Num,
    Pow,
    Sum,
    Sym,
    Transpose,
    Var,
)

__all__ = ["Budget", "Reading", "evaluate", "free_indices", "INDEX_NAMES"]

INDEX_NAMES = INDEX_LETTERS | {"l"}  # the unit letters and the layer
MAX_TERMS = 1000  # terms of one sum
MAX_POWER = 64  # |exponent| of a power
MAX_BITS = 4096  # size of an exact number a power may make
MAX_WORK = 100_000  # nodes evaluated for one step, over all its instances


class Budget:
    """The work one step may do over all its instances (nested sums multiply; this bounds the product)."""

    def __init__(self, limit: int = MAX_WORK):
        self.left, self.limit = limit, limit

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise NotUnderstood(f"too large to evaluate (more than {self.limit:,} terms)")


@dataclass(frozen=True)
class Reading:
    """The meaning of a node: its value (an engine expression, Vec or Mat) and the notation remarks it earned."""

    value: Any
    remarks: frozenset[str]


def evaluate(table: SymbolTable, node: Node, env: Env, budget: Budget) -> Reading:
    """The value of ``node`` on the network of ``table`` with the indices of ``env``.

    Raises Unfit when an index lies outside the network, NotUnderstood when the row has no
    meaning derive can give it.
    """
    ev = _Evaluator(table, budget)
    value = ev.value(node, env)
    return Reading(value, frozenset(ev.remarks))


def free_indices(node: Node, bound: frozenset = frozenset()) -> set[str]:
    """Index letters used in ``node`` but bound by no sum in it (n_l and m are never free)."""
    if isinstance(node, Var):
        return {node.name} - bound if node.name in INDEX_NAMES else set()
    if isinstance(node, Sum):
        inner = bound | {node.var.name} if node.var else bound
        return free_indices(node.body, inner) | {
            name for limit in (node.lower, node.upper) if limit is not None for name in free_indices(limit, bound)}
    return set[str]().union(*(free_indices(child, bound) for child in ast.children(node)))


class _Evaluator:
    def __init__(self, table: SymbolTable, budget: Budget):
        self.table, self.budget, self.xp = table, budget, table.xp
        self.remarks: set[str] = set()

    def value(self, node: Node, env: Env):
        self.budget.spend()
        method = _DISPATCH.get(type(node))
        if method is None:  # a bug, not a row derive cannot read: it must not end as "not checked"
            raise TypeError(f"the evaluator has no method for {type(node).__name__}")
        return method(self, node, env)

    def index(self, node: Node, env: Env) -> int:
        v = self.value(node, env)
        if not (getattr(v, "is_Integer", False) or isinstance(v, int)):
            raise NotUnderstood(f"index {node} is not a whole number")
        return int(v)

    def num(self, node: Num, env: Env):
        return self.table.eng.number(node.value)

    def var(self, node: Var, env: Env):
        if node.name in env.units:
            return self.xp.Integer(env.units[node.name])
        if node.name in env.samples:
            return self.xp.Integer(env.samples[node.name])
        value = self.table.constant(node.name)
        if value is None or node.name == "lambda":
            raise NotUnderstood(f"the index {node.name} has no value here")
        return value

    def sym(self, node: Sym, env: Env):
        table, name = self.table, node.name
        if name in ("x", "y"):
            data = table.data(name, self._sample_of(node, env), env.cut)
            if node.sup is not None:
                raise NotUnderstood(f"{node}: x and y take a sample superscript only")
            return self._entry(data, node, env, name) if node.sub else Vec(tuple(data.values()))
        if name in ("s", "S"):
            if len(node.sub) != 1:
                raise NotUnderstood(f"{node}: the width s_l takes one layer index")
            return self.xp.Integer(table.width(self.index(node.sub[0], env)))
        constant = table.constant(name)
        if constant is not None:
            return constant
        if name not in LAYERED:
            raise NotUnderstood(f"unknown symbol {node}")
        if node.sup is None:
            raise NotUnderstood(f"{node} needs a layer superscript")
        l = self.index(node.sup, env)
        layer = sample_layer(table, name, l, self._sample_of(node, env), env.cut)  # a^{(l)(k)}: of sample k
        if node.sub:
            return self._entry(layer, node, env, f"{name}^{l}")
        return table.whole(name, layer) if name in PARAMETERS else Vec(tuple(layer.values()))

    def _entry(self, table: dict, node: Sym, env: Env, label: str):
        key = tuple(self.index(s, env) for s in node.sub)
        unit = key[0] if len(key) == 1 else key
        if unit not in table:
            raise Unfit(f"{label}_{unit} does not exist")
        return table[unit]

    def _sample_of(self, node: Sym, env: Env) -> int | None:
        if node.sample is None or (isinstance(node.sample, Var) and node.sample.name in env.samples):
            return None if node.sample is None else self.table.sample(env.samples[node.sample.name])
        return self.table.sample(self.index(node.sample, env))

    def add(self, node: Add, env: Env):
        total = self.value(node.terms[0], env)
        for term in node.terms[1:]:
            total = combine(total, self.value(term, env), lambda p, q: p + q)
        return total

    def neg(self, node: Neg, env: Env):
        return scale(self.value(node.x, env), -1)

    def mul(self, node: Mul, env: Env):
        out = self.value(node.factors[0], env)
        for factor in node.factors[1:]:
            out = product(out, self.value(factor, env))
        return out

    def frac(self, node: Frac, env: Env):
        den = self.value(node.den, env)
        if isinstance(den, (Vec, Mat)):
            raise NotUnderstood(f"division by the vector {node.den}")
        if den == 0 or self.xp.expand(den) == 0:  # 1/0, 1/(z − z): undefined, also under a derivative
            raise NotUnderstood(f"division by zero in {node}")
        return scale(self.value(node.num, env), defined(self.xp, 1 / den, node))

    def pow(self, node: Pow, env: Env):
        if isinstance(node.base, Norm):
            v = self.value(node.base.x, env)
            squared = sum(e**2 for e in entries(v))  # of a vector, or the Frobenius norm of a matrix
            exp = self.value(node.exp, env)
            return squared if exp == 2 else self._power(squared, exp / 2, node)
        base, exp = self.value(node.base, env), self.value(node.exp, env)
        if isinstance(base, (Vec, Mat)) or isinstance(exp, (Vec, Mat)):
            raise NotUnderstood(f"power of a vector in {node}")
        if exp.is_Number and abs(exp) > MAX_POWER:
            raise NotUnderstood(f"the exponent {exp} is too large (at most {MAX_POWER})")
        if base.is_Number and exp.is_Number and abs(exp) * _bits(base) > MAX_BITS:
            raise NotUnderstood(f"{node} is too large a number")
        return self._power(base, exp, node)

    def _power(self, base, exp, node: Pow):
        """base**exp, refusing 0 to a negative power and a negative number to a fractional one."""
        if getattr(exp, "is_Number", False) and exp < 0 and (base == 0 or self.xp.expand(base) == 0):
            raise NotUnderstood(f"division by zero in {node}")
        if getattr(base, "is_negative", None) is True and getattr(exp, "is_Integer", True) is False:
            raise NotUnderstood(f"{node} is not a real number")
        return defined(self.xp, base**exp, node)

    def norm(self, node: Norm, env: Env):
        return self.pow(Pow(node, Num(1)), env)  # type: ignore[arg-type]

    def sum(self, node: Sum, env: Env):
        if node.var is None or node.lower is None or node.upper is None:
            raise NotUnderstood(f"a sum needs an index and both bounds: {node}")
        lo, hi, name = self.index(node.lower, env), self.index(node.upper, env), node.var.name
        if hi - lo + 1 > MAX_TERMS:
            raise NotUnderstood(f"a sum of {hi - lo + 1} terms (at most {MAX_TERMS})")
        over_samples = node.upper == Var("m") or node.upper == Sym("m")
        total = self.xp.Integer(0)  # an empty sum is the engine's 0, never Python's
        for k in range(lo, hi + 1):
            if over_samples:
                if name in env.units:
                    self.remarks.add(sample_and_unit(name))
                inner = replace(env, samples={**env.samples, name: k})
            else:
                inner = replace(env, units={**env.units, name: k})
            term = self.value(node.body, inner)
            total = combine(total, term, lambda p, q: p + q) if k > lo else term
        return total

    def call(self, node: Call, env: Env):
        if node.sup is not None:  # the reader makes \tanh^2 z a Pow; no other superscript has a reading
            raise NotUnderstood(f"{node}: a superscript on a function is not read")
        if node.name == "J":
            return self._loss(node, env)
        if node.name == "h":
            return self._output(node, env)
        if len(node.args) != 1:
            raise NotUnderstood(f"{node.name} takes one argument in {node}")
        unary = self.table.function(node.name)
        if unary is None:
            raise NotUnderstood(f"unknown function {node.name}")
        if node.sub and (node.name != "log" or len(node.sub) != 1):
            raise NotUnderstood(f"{node}: a subscript on a function is not read")
        base = None if not node.sub or node.sub[0] == Sym("e") else self.value(node.sub[0], env)  # \log_b
        if isinstance(base, (Vec, Mat)):
            raise NotUnderstood(f"{node}: the base of a logarithm is a vector")
        arg = self.value(node.args[0], env)
        one = lambda t: apply(self.table.eng, node.name, unary, t, node, base)
        return Vec(tuple(map(one, arg.items))) if isinstance(arg, Vec) else one(arg)

    def _sample_args(self, node: Call, args: tuple) -> Node | None:
        """Which sample the data arguments (x, y) or (x^k, y^k) name; checks both agree."""
        samples = []
        for arg, want in zip(args, ("x", "y")):
            if not (isinstance(arg, Sym) and arg.name == want and not arg.sub):
                raise NotUnderstood(f"{node}: the data arguments must be {want} or {want}^(k)")
            samples.append(arg.sample)
        if len(set(map(str, samples))) > 1:
            raise ShapeError(f"{node}: x and y name different samples")
        return samples[0]

    def _loss(self, node: Call, env: Env):
        if len(node.args) not in (2, 4) or node.sub:
            raise NotUnderstood(f"{node}: J takes (W,b) or (W,b;x,y)")
        if not _at_parameters(node.args[:2]):
            raise NotUnderstood(f"{node}: J is read only at its parameters (W,b)")
        if len(node.args) == 2:
            return self.table.loss(None, env.cut, full=True)
        sample = self._sample_args(node, node.args[2:])
        k = None if sample is None else self._sample_of(Sym("x", sample=sample), env)
        return self.table.loss(k, env.cut, full=False)

    def _output(self, node: Call, env: Env):
        if len(node.args) != 1:
            raise NotUnderstood(f"{node}: h_{{W,b}} takes one argument")
        if node.sub and not _at_parameters(node.sub):
            raise NotUnderstood(f"{node}: h is read only at its parameters (W,b)")
        arg = node.args[0]
        if not (isinstance(arg, Sym) and arg.name == "x" and not arg.sub):
            raise NotUnderstood(f"{node}: h_{{W,b}} is applied to x or x^(k)")
        return self.table.output(self._sample_of(arg, env), env.cut)

    def derivative(self, node: Derivative, env: Env):
        return by_derivative(self, node, env)  # derive.meaning.derivatives: each on the network with its cut

    def qualified(self, node: ast.Qualified, env: Env):  # index typing drops the qualifier first (indices.py)
        if (inside := ast.admitted(node, lambda n: self.index(n, env))) is None:
            raise Unfit(f"{node.qualifier()} excludes this layer")
        return self.value(inside, env)

    def kronecker(self, node: Kronecker, env: Env):
        return self.xp.Integer(int(self.index(node.i, env) == self.index(node.j, env)))

    def entrywise(self, node: Node, env: Env):  # derive.meaning.lower writes these entry by entry first
        raise NotUnderstood(f"{node}: a transpose, entrywise product or matrix inside an equation of numbers")


# One method per node class of derive.reader.ast.
_DISPATCH: dict[type, Callable] = {Num: _Evaluator.num, Var: _Evaluator.var, Sym: _Evaluator.sym, Call: _Evaluator.call,
                                   Add: _Evaluator.add, Neg: _Evaluator.neg, Mul: _Evaluator.mul, Frac: _Evaluator.frac,
                                   Pow: _Evaluator.pow, Norm: _Evaluator.norm, Sum: _Evaluator.sum,
                                   Derivative: _Evaluator.derivative, Kronecker: _Evaluator.kronecker,
                                   Transpose: _Evaluator.entrywise, Hadamard: _Evaluator.entrywise,
                                   ast.Columns: _Evaluator.entrywise, ast.Qualified: _Evaluator.qualified}
_MISSING = {cls.__name__ for cls in vars(ast).values() if isinstance(cls, type) and issubclass(cls, Node)
            and cls is not Node} - {cls.__name__ for cls in _DISPATCH}
if _MISSING:
    raise ImportError(f"the evaluator has no method for the AST node(s) {', '.join(sorted(_MISSING))}")


def _at_parameters(args: tuple) -> bool:
    """Whether J's first arguments, or h's subscript, are exactly the parameters W (or w), b."""
    return len(args) == 2 and args[0] in (Sym("W"), Sym("w")) and args[1] == Sym("b")


def _bits(number) -> int:
    """Bits of the larger of an exact number's numerator and denominator."""
    p, q = (int(x) for x in (number.as_numer_denom() if hasattr(number, "as_numer_denom") else (number, 1)))
    return max(abs(p).bit_length(), abs(q).bit_length(), 1)
