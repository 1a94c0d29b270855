"""A proof for every width and depth: an equation checked on its windows, at every width of its grid.

The argument is docs/all-widths.md. An equation in the fragment (derive.meaning.fragment)
reaches a block of layers; a window is that block, with one layer of width 1 below it
unless it starts at the input and one above it unless it ends at the output. Its
classes (does the block start at the input? end at the output?) are found by
trying every depth up to DEPTHS and every l. On each window, every layer T of the
block takes every width in [max(F_T, 1), R_T + max(F_T, 1)] (F_T free indices of
type T, R_T sums over T in one product term), the samples likewise; every instance
there is decided exactly. Zero on that grid is zero everywhere.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from checks.results import Failure, Scope, Status, Verdict
from checks.symbolic import Canonical, decide
from derive.errors import DeriveError
from derive.meaning import Budget, SymbolTable, free_indices
from derive.meaning.fragment import NotCovered, needs
from derive.meaning.indices import SAMPLES, ShapeError, layer_value, type_indices
from derive.meaning.instances import instances
from derive.meaning.layersums import cancel_layer_sums
from derive.meaning.reach import anchors, reach_of
from derive.meaning.symbols import Unfit
from derive.meaning.top import top_of
from derive.model import losses
from derive.model.backprop import SEED_CLAIMS, Claim
from derive.model.engines import engine as engine_of
from derive.model.network import Network
from derive.reader import parse_equation
from derive.reader.ast import Call, Derivative, Node, Sym, children

__all__ = ["prove_everywhere", "claim_scope", "Decider", "table", "DEPTHS", "MAX_GRID"]

DEPTHS = 6  # depths tried to find the window classes (and 8, to see that no new one appears)
MAX_GRID = 400  # networks one equation may build; beyond, it is proved on the test networks only

Decide = Callable[[Network, object, object, str], Verdict]  # (net, left, right, where) -> the decision


class Decider:
    """Decides one instance exactly (checks.symbolic.decide), each with its own witness seed."""

    def __init__(self, seed: int):
        self.seed, self.count = seed, 0

    def __call__(self, net: Network, left, right, where: str) -> Verdict:
        self.count += 1
        return decide(net.eng, net.activation, _canonical(net.engine, net.activation), left, right,
                      self.seed + self.count, where)


@lru_cache(maxsize=8)
def _canonical(engine: str, activation) -> Canonical:
    return Canonical(engine_of(engine), activation)


@lru_cache(maxsize=1024)
def table(net: Network) -> SymbolTable:
    """One symbol table per network and process: what it builds serves every equation."""
    return SymbolTable(net)


@dataclass(frozen=True)
class _Window:
    """A window network's depth and l (None when l is not free) and the block of layers it checks."""

    depth: int
    l: int | None
    lo: int
    hi: int

    def layers(self) -> dict[str, int]:
        return {} if self.l is None else {"l": self.l}

    def name(self, T: int | str, output: bool) -> str:
        """Layer T of this window as the equation writes it: s_{l+1}, s_{n_l-1}, s_2, or m."""
        if T == SAMPLES:
            return "m"
        assert isinstance(T, int)
        if self.l is not None:
            k = T - self.l
            text = "l" if k == 0 else f"l{k:+d}"
        elif output:
            k = self.depth - T
            text = "n_l" if k == 0 else f"n_l-{k}"
        else:
            text = str(T)
        return f"s_{{{text}}}" if len(text) > 1 else f"s_{text}"

    def describe(self) -> str:
        return f"n_l = {self.depth}" + ("" if self.l is None else f", l = {self.l}")


def _window(lhs: Node, rhs: Node, n_l: int, layers: dict[str, int], output: bool, fixed: bool) -> _Window | None:
    try:
        typing = type_indices(lhs, rhs, (1,) * n_l, layers)
    except Unfit:
        return None
    reach = needs(typing.lhs, typing.rhs, n_l, layers).reach or {1}
    lo, hi = (1 if fixed else min(reach)), (n_l if output else max(reach))
    below, above = lo > 1, hi < n_l
    depth = hi - lo + 1 + below + above
    l = None if "l" not in layers else layers["l"] - lo + 1 + below
    return _Window(depth, l, 1 + below, depth - above)


def _windows(lhs: Node, rhs: Node, free: list[str]) -> list[_Window]:
    output, fixed = anchors(lhs, rhs)

    found = [(n_l, _window(lhs, rhs, n_l, {} if l is None else {"l": l}, output, fixed))
             for n_l in range(2, DEPTHS + 3) for l in (range(1, n_l + 1) if "l" in free else (None,))]
    few = {w for n_l, w in found if w is not None and n_l <= DEPTHS}
    more = {w for _, w in found if w is not None}
    if not few:
        raise NotCovered(f"it names layers no network of depth up to {DEPTHS} has")
    if few != more:
        raise NotCovered("the layers it names are not a fixed distance apart (e.g. layer l and the output)")
    return sorted(few, key=lambda w: (w.depth, w.l or 0))


def _network(base: Network, lhs: Node, rhs: Node, w: _Window) -> Network:
    """The model the window is checked on: the base's, where the equation sees the output layer;
    elsewhere the seed's top (squared loss, f at the output), under which δ^{n_l} is free: an
    equation that sees the output only through δ^{n_l} holds for every loss if it holds there (§5)."""
    if base.seed_model or (w.hi == w.depth and any(_sees_top(side, w) for side in (lhs, rhs))):
        return base
    return replace(base, loss=losses.loss("squared"), output=losses.SAME)


def _sees_top(node: Node, w: _Window) -> bool:
    """Whether ``node`` names the output layer other than through δ^{n_l} and ∂J/∂(z, W, b): y, a^{n_l},
    h_{W,b}(x), J's value, ∂J/∂a^{n_l}, a derivative of the output layer itself."""
    def at_top(sym: Sym) -> bool:
        return sym.sup is None or layer_value(sym.sup, w.layers(), w.depth) == w.depth

    if isinstance(node, Derivative):
        if isinstance(node.body, Call) and node.body.name == "J":
            return node.wrt.name == "a" and at_top(node.wrt)
        return w.depth in reach_of(node, w.depth, w.layers())
    if isinstance(node, Sym) and (node.name == "y" or (node.name == "a" and at_top(node))):
        return True
    if isinstance(node, Call) and node.name in ("h", "J"):
        return True
    return any(_sees_top(child, w) for child in children(node))


def _grid(lhs: Node, rhs: Node, free: list[str], w: _Window, net: Network) -> dict[int | str, range]:
    """The widths each layer of the window's block (and the samples) takes."""
    typing = type_indices(lhs, rhs, (1,) * w.depth, w.layers())
    output = top_of(net.loss, net.output, net.activation)
    sums = needs(typing.lhs, typing.rhs, w.depth, w.layers(), top=w.hi, output=output, bottom=w.lo).sums
    frees = Counter(typing.free[n] for n in free if n in typing.free and typing.free[n] is not None)
    grid: dict[int | str, range] = {}
    for T in [*range(w.lo, w.hi + 1), SAMPLES]:
        if T == SAMPLES and not (sums[T] or frees[T]):
            continue
        low = max(frees[T], 1)
        grid[T] = range(low, low + sums[T] + 1)
    return grid


def prove_everywhere(lhs: Node, rhs: Node, free: list[str], base: Network,
                     decide: Decide) -> tuple[Scope, Verdict | None]:
    """The equation's scope, and the first verdict on its grid that is not a proof (None: none)."""
    lhs, rhs = cancel_layer_sums(lhs, rhs)
    try:
        windows = _windows(lhs, rhs, free)
        nets = [_network(base, lhs, rhs, w) for w in windows]
        plan = [(w, net, _grid(lhs, rhs, free, w, net)) for w, net in zip(windows, nets)]
    except ShapeError as exc:  # at a depth or layer the test networks do not have
        return Scope("test networks"), Verdict(Status.REFUTED, Failure("a window", f"shapes do not match: {exc}"))
    except DeriveError as exc:  # NotCovered, or a layer that is not a number
        return Scope("test networks", not_covered=(str(exc),)), None
    output = anchors(lhs, rhs)[0]
    size = sum(len(list(itertools.product(*g.values()))) for _, _, g in plan)
    if size > MAX_GRID:
        return Scope("test networks", not_covered=(f"its grid has {size} networks (at most {MAX_GRID})",)), None
    grid = tuple(dict.fromkeys(", ".join(f"{w.name(T, output)} ∈ {{{','.join(map(str, r))}}}" for T, r in g.items())
                               for w, _, g in plan))
    scope = Scope("all", grid=grid, windows=tuple(w.describe() for w in windows))
    for w, model, g in plan:
        for widths in itertools.product(*g.values()):
            chosen = dict(zip(g, widths))
            sizes = tuple(chosen.get(T, 1) for T in range(1, w.depth + 1))
            net = replace(model, sizes=sizes, m=chosen.get(SAMPLES, 1))
            at = ", ".join(f"{w.name(T, output)} = {v}" for T, v in chosen.items())
            try:
                for inst in instances(table(net), lhs, rhs, free, Budget()):
                    for unit, a, b in inst.pairs():
                        units = "".join(f", {k} = {v}" for k, v in inst.units.items() if k != "l") + (
                            f", {unit}" if unit else "")
                        verdict = decide(net, a, b, f"{w.describe()}, {at}{units}")
                        if verdict.status is not Status.PROVED:
                            return scope, verdict
            except ShapeError as exc:  # a shape only this window shows
                return scope, Verdict(Status.REFUTED, Failure(f"{w.describe()}, {at}", f"shapes do not match: {exc}"))
            except DeriveError as exc:  # read on the test networks, but not here: not a proof for every network
                return Scope("test networks", not_covered=(f"{exc} ({w.describe()}, {at})",)), None
    return scope, None


def claim_scope(claim: Claim, base: Network, seed: int) -> tuple[Scope, Verdict | None]:
    """The scope of one of derive's own claims: its LaTeX is proved on the windows and grid (its Python
    formula, proved on ``base``, agrees with it there). A claim with a formula of its own is proved
    on the network it was checked on only."""
    from derive.model.backprop import claims_for

    if claim not in SEED_CLAIMS and claim not in claims_for(base):
        return Scope("test networks", not_covered=("a formula given in Python is checked on its network only",)), None
    relation = parse_equation(claim.latex)
    assert relation.lhs is not None
    names = sorted(free_indices(relation.lhs) | free_indices(relation.rhs[0]))
    return prove_everywhere(relation.lhs, relation.rhs[0], names, base, Decider(seed))
