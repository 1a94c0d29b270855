"""What an equation read from LaTeX means on one network: AST nodes become engine expressions.

Every symbol takes the network's meaning: W^l_ij, b^l_i and x, y are the
parameters and data; z^l_i, a^l_i, h_{W,b}(x) come from the forward pass;
δ^l_i is the true residual ∂J(W,b;x,y)/∂z^l_i; J(W,b;x,y) and J(W,b) are the
losses. ∂/∂z^l_i differentiates with the network cut at layer l (z^l fresh,
other z^l held fixed); the result is read back in the uncut network.

Two signals leave this module: ``Unfit`` (an index outside this network, e.g.
δ^1 or W^l_ij with i > s_{l+1}: that instance is skipped) and ``NotUnderstood``
(a reason why the equation has no meaning here: reported as "not checked").
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from functools import cached_property

from derive.arrays import Mat, Vec, as_value, combine, product, scalar, scale
from derive.autodiff import Derivatives, derivatives, differentiate
from derive.errors import DeriveError, NotUnderstood
from derive.loss import full_loss, sample_loss
from derive.network import Forward, Network
from derive.views import delta_in
from derive.reader.ast import Add, Call, Derivative, Frac, Mul, Neg, Node, Norm, Num, Pow, Sum, Sym, Var

__all__ = ["Meaning", "Env", "Unfit", "NotUnderstood", "free_indices"]

INDEX_NAMES = frozenset("ijklpqrtuv")
MAX_TERMS = 1000  # terms of one sum
MAX_POWER = 64  # |exponent| of a power
MAX_BITS = 4096  # size of an exact number a power may make
MAX_WORK = 100_000  # nodes evaluated for one step, over all its instances


class Unfit(DeriveError):
    """An index outside this network: the instance does not exist here."""


@dataclass(frozen=True)
class Env:
    """Index values in effect: units and layers, samples (bound by a sum up to m), and the cut layer."""

    units: dict = field(default_factory=dict)
    samples: dict = field(default_factory=dict)
    cut: int = 1


def free_indices(node: Node, bound: frozenset = frozenset()) -> set[str]:
    """Index letters used in ``node`` but bound by no sum in it (n_l and m are never free)."""
    if isinstance(node, Var):
        return {node.name} - bound if node.name in INDEX_NAMES else set()
    if isinstance(node, Sum):
        inner = bound | {node.var.name} if node.var else bound
        return free_indices(node.body, inner) | {
            name for limit in (node.lower, node.upper) if limit is not None for name in free_indices(limit, bound)}
    out: set[str] = set()
    for f in fields(node):
        value = getattr(node, f.name)
        for child in value if isinstance(value, tuple) else (value,):
            if isinstance(child, Node):
                out |= free_indices(child, bound)
    return out


class Meaning:
    """Evaluates AST nodes on ``net``; collects remarks on notational slips as it goes."""

    def __init__(self, net: Network):
        self.net, self.eng, self.xp = net, net.eng, net.eng.xp
        self.remarks: set[str] = set()
        self.work = 0

    # ---- worlds: the forward pass of the sample (x, y) or of sample k, uncut or cut at a layer
    def world(self, cut: int = 1, sample: int | None = None) -> Forward:
        return self.net.world(sample) if cut == 1 else self.net.world(cut=cut)

    def delta(self, l: int, env: Env) -> dict:
        """δ^l in the world of ``env``: the true ∂J(W,b;x,y)/∂z^l, as the seed's claims get it."""
        net = self.net
        if not 2 <= l <= net.n_l:
            raise Unfit(f"δ^{l} does not exist (layers 2..{net.n_l} have residuals)")
        if l < env.cut:
            raise NotUnderstood(f"δ^{l} is not defined while differentiating with respect to z^{env.cut}")
        return delta_in(self.derivatives, self.world(env.cut), l)

    @cached_property
    def derivatives(self) -> Derivatives:
        return differentiate(self.net)

    # ---- evaluation
    def begin(self) -> None:
        """Start the work budget of a new step (nested sums multiply; the budget bounds the product)."""
        self.work = 0

    def value(self, node: Node, env: Env):
        self.work += 1
        if self.work > MAX_WORK:
            raise NotUnderstood(f"too large to evaluate (more than {MAX_WORK:,} terms)")
        method = getattr(self, "_" + type(node).__name__.lower(), None)
        if method is None:
            raise NotUnderstood(f"{type(node).__name__} is not supported")
        return method(node, env)

    def index(self, node: Node, env: Env) -> int:
        v = self.value(node, env)
        if not (getattr(v, "is_Integer", False) or isinstance(v, int)):
            raise NotUnderstood(f"index {node} is not a whole number")
        return int(v)

    def _num(self, node: Num, env: Env):
        return self.eng.number(node.value)

    def _var(self, node: Var, env: Env):
        if node.name in env.units:
            return self.xp.Integer(env.units[node.name])
        if node.name in env.samples:
            return self.xp.Integer(env.samples[node.name])
        if node.name == "n_l":
            return self.xp.Integer(self.net.n_l)
        if node.name == "m":
            return self.xp.Integer(self.net.m)
        raise NotUnderstood(f"the index {node.name} has no value here")

    def _sym(self, node: Sym, env: Env):
        net, name = self.net, node.name
        if name in ("x", "y"):
            return self._data(node, env)
        if name in ("s", "S"):
            if len(node.sub) != 1:
                raise NotUnderstood(f"{node}: the width s_l takes one layer index")
            return self.xp.Integer(self._width(self.index(node.sub[0], env)))
        if name == "lambda":
            return net.lam_symbol
        if name == "m":
            return self.xp.Integer(net.m)
        if name in ("n_l",):
            return self.xp.Integer(net.n_l)
        if name not in ("W", "w", "b", "z", "a", "delta"):
            raise NotUnderstood(f"unknown symbol {node}")
        if node.sup is None:
            raise NotUnderstood(f"{node} needs a layer superscript")
        l = self.index(node.sup, env)
        if name in ("W", "w", "b"):
            if not 1 <= l < net.n_l:
                raise Unfit(f"{name}^{l} does not exist (layers 1..{net.n_l - 1} have weights)")
            table = net.W[l] if name in ("W", "w") else net.b[l]
            if not node.sub:
                return as_value(table, matrix=name != "b")
            return self._entry(table, node, env, f"{name}^{l}")
        if name == "delta":
            vector = self.delta(l, env)
        else:
            vector = self._layer(name, l, env)
        return self._entry(vector, node, env, f"{name}^{l}") if node.sub else Vec(tuple(vector.values()))

    def _width(self, l: int) -> int:
        if not 1 <= l <= self.net.n_l:
            raise Unfit(f"s_{l} does not exist (layers 1..{self.net.n_l})")
        return self.net.s(l)

    def _layer(self, name: str, l: int, env: Env) -> dict:
        if not 1 <= l <= self.net.n_l or (name == "z" and l == 1):
            raise Unfit(f"{name}^{l} does not exist")
        if l < env.cut:
            raise NotUnderstood(f"{name}^{l} is not defined while differentiating with respect to z^{env.cut}")
        world = self.world(env.cut)
        return world.a[l] if name == "a" else world.z[l]

    def _entry(self, table: dict, node: Sym, env: Env, label: str):
        key = tuple(self.index(s, env) for s in node.sub)
        key = key[0] if len(key) == 1 else key
        if key not in table:
            raise Unfit(f"{label}_{key} does not exist")
        return table[key]

    def _sample_of(self, node: Sym, env: Env) -> int | None:
        if node.sample is None:
            return None
        if isinstance(node.sample, Var) and node.sample.name in env.samples:
            return env.samples[node.sample.name]
        k = self.index(node.sample, env)
        if not 1 <= k <= self.net.m:
            raise Unfit(f"sample {k} does not exist (m = {self.net.m})")
        return k

    def _data(self, node: Sym, env: Env):
        k = self._sample_of(node, env)
        if node.sup is not None:
            raise NotUnderstood(f"{node}: x and y take a sample superscript only")
        table = self.net.x(k) if node.name == "x" else self.net.y(k)
        if k is None and node.name == "x" and env.cut > 1:
            raise NotUnderstood(f"x is not defined while differentiating with respect to z^{env.cut}")
        return self._entry(table, node, env, node.name) if node.sub else Vec(tuple(table.values()))

    def _add(self, node: Add, env: Env):
        total = self.value(node.terms[0], env)
        for term in node.terms[1:]:
            total = combine(total, self.value(term, env), lambda p, q: p + q)
        return total

    def _neg(self, node: Neg, env: Env):
        return scale(self.value(node.x, env), -1)

    def _mul(self, node: Mul, env: Env):
        out = self.value(node.factors[0], env)
        for factor in node.factors[1:]:
            out = product(out, self.value(factor, env))
        return out

    def _frac(self, node: Frac, env: Env):
        den = self.value(node.den, env)
        if isinstance(den, (Vec, Mat)):
            raise NotUnderstood(f"division by the vector {node.den}")
        return scale(self.value(node.num, env), 1 / den)

    def _pow(self, node: Pow, env: Env):
        if isinstance(node.base, Norm):
            v = self.value(node.base.x, env)
            if not isinstance(v, Vec):
                v = Vec((v,))
            squared = sum(e**2 for e in v.items)
            exp = self.value(node.exp, env)
            return squared if exp == 2 else squared ** (exp / 2)
        base, exp = self.value(node.base, env), self.value(node.exp, env)
        if isinstance(base, (Vec, Mat)) or isinstance(exp, (Vec, Mat)):
            raise NotUnderstood(f"power of a vector in {node}")
        if exp.is_Number and abs(exp) > MAX_POWER:
            raise NotUnderstood(f"the exponent {exp} is too large (at most {MAX_POWER})")
        if base.is_Number and exp.is_Number and abs(exp) * _bits(base) > MAX_BITS:
            raise NotUnderstood(f"{node} is too large a number")
        return base**exp

    def _norm(self, node: Norm, env: Env):
        return self._pow(Pow(node, Num(1)), env)

    def _sum(self, node: Sum, env: Env):
        if node.var is None or node.lower is None or node.upper is None:
            raise NotUnderstood(f"a sum needs an index and both bounds: {node}")
        lo, hi, name = self.index(node.lower, env), self.index(node.upper, env), node.var.name
        if hi - lo + 1 > MAX_TERMS:
            raise NotUnderstood(f"a sum of {hi - lo + 1} terms (at most {MAX_TERMS})")
        over_samples = node.upper == Var("m") or node.upper == Sym("m")
        total = 0
        for k in range(lo, hi + 1):
            if over_samples:
                if name in env.units:
                    self.remarks.add(f"the index {name} stands for both the sample (the sum over {name} = 1..m) and a "
                                     f"unit outside it; read as two different indices")
                inner = replace(env, samples={**env.samples, name: k})
            else:
                inner = replace(env, units={**env.units, name: k})
            total = combine(total, self.value(node.body, inner), lambda p, q: p + q) if k > lo else \
                self.value(node.body, inner)
        return total

    def _call(self, node: Call, env: Env):
        name, xp = node.name, self.xp
        if name == "J":
            return self._loss(node, env)
        if name == "h":
            return self._output(node, env)
        if len(node.args) != 1:
            raise NotUnderstood(f"{name} takes one argument in {node}")
        arg = self.value(node.args[0], env)
        unary = {"f": self.eng.f, "f'": self.eng.fprime, "exp": xp.exp, "log": xp.log, "tanh": xp.tanh,
                 "sigma": lambda t: 1 / (1 + xp.exp(-t))}.get(name)
        if unary is None:
            raise NotUnderstood(f"unknown function {name}")
        return Vec(tuple(map(unary, arg.items))) if isinstance(arg, Vec) else unary(arg)

    def _sample_args(self, node: Call, args: tuple) -> int | None:
        """Which sample the data arguments (x, y) or (x^k, y^k) name; checks both agree."""
        samples = []
        for arg, want in zip(args, ("x", "y")):
            if not (isinstance(arg, Sym) and arg.name == want and not arg.sub):
                raise NotUnderstood(f"{node}: the data arguments must be {want} or {want}^(k)")
            samples.append(arg.sample)
        if len(set(map(str, samples))) > 1:
            raise NotUnderstood(f"{node}: x and y name different samples")
        return samples[0]

    def _loss(self, node: Call, env: Env):
        args = node.args
        if len(args) == 2:
            if env.cut > 1:
                raise NotUnderstood("J(W,b) is not defined while differentiating with respect to z")
            return full_loss(self.net)
        if len(args) != 4:
            raise NotUnderstood(f"{node}: J takes (W,b) or (W,b;x,y)")
        sample = self._sample_args(node, args[2:])
        k = None if sample is None else self._sample_of(Sym("x", sample=sample), env)
        if k is not None and env.cut > 1:
            raise NotUnderstood(f"{node} is not defined while differentiating with respect to z")
        world = self.world(env.cut) if k is None else self.world(1, k)
        return sample_loss(self.net, world, self.net.y(k))

    def _output(self, node: Call, env: Env):
        if len(node.args) != 1:
            raise NotUnderstood(f"{node}: h_{{W,b}} takes one argument")
        arg = node.args[0]
        if not (isinstance(arg, Sym) and arg.name == "x" and not arg.sub):
            raise NotUnderstood(f"{node}: h_{{W,b}} is applied to x or x^(k)")
        k = self._sample_of(arg, env)
        world = self.world(env.cut) if k is None else self.world(1, k)
        return Vec(tuple(world.a[self.net.n_l].values()))

    def _derivative(self, node: Derivative, env: Env):
        if node.body is None:
            raise NotUnderstood(f"the operator {node} is applied to nothing")
        wrt, net = node.wrt, self.net
        if wrt.name in ("W", "w", "b") and wrt.sub:
            variable = self._sym(wrt, env)
            body = self.value(node.body, env)
            return self._d(scalar(body, node), variable)
        if wrt.name == "z" and wrt.sub and wrt.sup is not None:
            l = self.index(wrt.sup, env)
            if not 2 <= l <= net.n_l:
                raise Unfit(f"z^{l} does not exist")
            if l < env.cut:
                raise NotUnderstood(f"∂/∂z^{l} inside a derivative with respect to z^{env.cut}")
            (i,) = (self.index(s, env) for s in wrt.sub)
            if i not in net.zeta(l):
                raise Unfit(f"z^{l}_{i} does not exist")
            body = scalar(self.value(node.body, replace(env, cut=l)), node)
            self._bias_dropped(body, l, wrt)
            d = self._d(body, net.zeta(l)[i])
            if l == env.cut:
                return d
            return d.xreplace({zeta: self.world(env.cut).z[l][u] for u, zeta in net.zeta(l).items()})
        raise NotUnderstood(f"derivatives with respect to {wrt} are not supported")

    def _d(self, body, variable):
        try:
            return derivatives(self.eng, self.xp.sympify(body), [variable])[variable]
        except ValueError as exc:  # e.g. f'' is needed
            raise NotUnderstood(f"cannot differentiate: {exc}") from None

    def _bias_dropped(self, body, l: int, wrt: Sym) -> None:
        """Remark when ``body`` is z^{l+1}_j without its bias (harmless under ∂/∂z^l)."""
        if l >= self.net.n_l:
            return
        z_next = self.world(l).z[l + 1]
        if any(self.xp.expand(body - z_next[j] + bias) == 0 for j, bias in self.net.b[l].items()):
            layer = str(wrt.sup)
            above = layer[:-4] if layer.endswith(" - 1") else f"{layer}+1"
            self.remarks.add(f"differentiates z_j^{{{above}}} written without its bias b_j^{{{layer}}}: equal "
                             f"only because the bias does not depend on {wrt}")


def _bits(number) -> int:
    """Bits of the larger of an exact number's numerator and denominator."""
    p, q = (int(x) for x in (number.as_numer_denom() if hasattr(number, "as_numer_denom") else (number, 1)))
    return max(abs(p).bit_length(), abs(q).bit_length(), 1)
