"""Check a derivation as written: every display equation of a file, every step of every chain.

A row ``A = B = C`` gives the steps A = B and B = C; an align row that starts
with ``&=`` continues the chain of the row above (its first step compares with
the last side of that row). Each step is instantiated on test networks for every
value of its free indices (l, i, j, …) that exists there, decided exactly (see
checks.symbolic) and compared numerically (both sides lambdified).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from checks.numeric import COMPILE_ABOVE, NumericResult, Tally, columns, draw, free_lambda, instantiate
from checks.symbolic import Canonical, Verdict, decide
from derive.activations import CONCRETE
from derive.errors import DeriveError, NotUnderstood, ParseError
from derive.arrays import Vec
from derive.meaning import Env, Meaning, Unfit, free_indices
from derive.network import Network
from derive.reader import display_equations, parse_equation, read_text
from derive.reader.ast import Node

__all__ = ["Step", "StepResult", "FileReport", "read_steps", "check_text", "check_file", "DEFAULT_SIZES"]

DEFAULT_SIZES = ((2, 3, 2), (2, 3, 3, 2))  # one hidden layer, and two so that the recurrence is exercised
MAX_FREE = 3  # free indices per equation: l, i, j
MAX_STEPS = 500  # equations and steps checked in one file; the rest are listed as not checked


@dataclass(frozen=True)
class Step:
    """One equality to check: where it starts, the row's LaTeX, both sides (or why it cannot be read)."""

    line: int
    text: str
    lhs: Node | None = None
    rhs: Node | None = None
    reason: str = ""
    chain: int = 0  # the line where its chain (or equation) starts
    own_lhs: bool = True  # whether lhs is written on this row (not carried over from the row above)


@dataclass(frozen=True)
class Failure:
    """Where a step first fails: network, index values, both sides and the evidence."""

    where: str
    verdict: Verdict


@dataclass(frozen=True)
class StepResult:
    step: Step
    status: str  # "passed", "failed" or "not checked"
    reason: str = ""
    instances: int = 0
    symbolic: str = ""
    failure: Failure | None = None
    numeric: NumericResult | None = None
    remarks: tuple[str, ...] = ()

    @property
    def passed(self) -> bool | None:
        return None if self.status == "not checked" else self.status == "passed"


@dataclass(frozen=True)
class FileReport:
    """The result of checking one file: one StepResult per equation or step, in file order."""

    path: str
    nets: tuple[Network, ...]
    results: tuple[StepResult, ...]
    seed: int
    rtol: float
    draws: int
    activations: tuple[str, ...]
    strict: bool = False
    timings: dict = field(default_factory=dict)

    @property
    def checked(self) -> list[StepResult]:
        return [r for r in self.results if r.passed is not None]

    @property
    def passed(self) -> bool:
        """Every checked equation passed, and at least one was checked (and none unchecked if strict)."""
        unchecked = len(self.results) - len(self.checked)
        return bool(self.checked) and all(r.passed for r in self.checked) and not (self.strict and unchecked)


def read_steps(text: str) -> list[Step]:
    """Every step of every display equation of ``text``, in order."""
    steps: list[Step] = []
    for block in display_equations(text):
        if block.error:
            steps.append(Step(block.start_line, "", reason=block.error, chain=block.start_line))
            continue
        previous, chain = None, block.start_line
        for row in block.rows:
            try:
                relation = parse_equation(row.text)
            except ParseError as exc:
                steps.append(Step(row.line, row.text, reason=str(exc), chain=row.line))
                previous = None
                continue
            if relation.lhs is None:
                if previous is None:
                    steps.append(Step(row.line, row.text, reason="continues an equation that could not be read",
                                      chain=row.line))
                    continue
                sides = [previous, *relation.rhs]
            else:
                sides, chain = [relation.lhs, *relation.rhs], row.line
            if len(sides) < 2:
                steps.append(Step(row.line, row.text, reason="no '=': nothing to check", chain=row.line))
            steps += [Step(row.line, row.text, a, b, chain=chain, own_lhs=relation.lhs is not None and k == 0)
                      for k, (a, b) in enumerate(zip(sides, sides[1:]))]
            previous = sides[-1]
    return steps


def _bindings(names: list[str], net: Network):
    biggest = max(net.sizes)
    ranges = [range(1, net.n_l + 1) if n == "l" else range(1, biggest + 1) for n in names]
    for combo in itertools.product(*ranges):
        yield dict(zip(names, combo))


def _pairs(left, right) -> list[tuple[str, object, object]]:
    if isinstance(left, Vec) and isinstance(right, Vec) and len(left.items) == len(right.items):
        return [(f"unit {u}", a, b) for u, a, b in zip(itertools.count(1), left.items, right.items)]
    if isinstance(left, Vec) or isinstance(right, Vec):
        raise NotUnderstood("one side is a vector and the other is not (or of another length)")
    return [("", left, right)]


@lru_cache(maxsize=8)
def _meaning(net: Network) -> Meaning:
    """One Meaning per network and process: the residuals and forward passes it builds serve every file."""
    return Meaning(net)


@lru_cache(maxsize=8)
def _canonical(net: Network) -> Canonical:
    return Canonical(net.eng, net.activation)


class _Checker:
    """Symbolic pass over all steps, gathering the instances for one batched numeric pass."""

    def __init__(self, nets, draws: int, seed: int, rtol: float):
        self.nets, self.draws, self.seed, self.rtol = nets, draws, seed, rtol
        self.meanings = {net: _meaning(net) for net in nets}
        self.canon = {net: _canonical(net) for net in nets}
        self.numeric: dict = {net: [] for net in nets}  # net -> [(step index, label, left, right)]

    def symbolic(self, index: int, step: Step) -> StepResult:
        if step.reason:
            return StepResult(step, "not checked", step.reason)
        names = sorted(free_indices(step.lhs) | free_indices(step.rhs))
        if len(names) > MAX_FREE:
            return StepResult(step, "not checked", f"too many free indices ({', '.join(names)})")
        count, first, undecided, remarks = 0, None, None, set()
        try:
            for net in self.nets:
                meaning = self.meanings[net]
                meaning.remarks = set()
                meaning.begin()
                for units in _bindings(names, net):
                    env = Env(units=units)
                    try:  # an instance exists where both sides do: l ranges as the equation allows
                        left = meaning.value(step.lhs, env)
                        if not step.own_lhs:  # its slips were remarked on at its own row
                            meaning.remarks = set()
                        right = meaning.value(step.rhs, env)
                    except Unfit:
                        continue
                    where = f"network {','.join(map(str, net.sizes))}" + "".join(
                        f", {k} = {v}" for k, v in units.items())
                    for unit, a, b in _pairs(left, right):
                        count += 1
                        label = where + (f", {unit}" if unit else "")
                        self.numeric[net].append((index, label, a, b))
                        if first:
                            continue
                        v = decide(net.eng, net.activation, self.canon[net], a, b, self.seed + count)
                        if v.status == "refuted":
                            first = Failure(label, v)
                        elif v.status == "undecided" and undecided is None:
                            undecided = Failure(label, v)
                    remarks |= meaning.remarks
        except DeriveError as exc:  # NotUnderstood, or an index error of the reader's: said, not checked
            return StepResult(step, "not checked", str(exc))
        if count == 0 and first is None:
            sizes = " and ".join(",".join(map(str, n.sizes)) for n in self.nets)
            return StepResult(step, "not checked", f"no layer or unit of the test networks ({sizes}) fits it")
        failure = first or undecided
        status = "refuted" if first else ("undecided" if undecided else "proved")
        return StepResult(step, "passed" if status == "proved" else "failed", "", count, status, failure,
                          remarks=tuple(sorted(remarks)))

    def numeric_pass(self, results: list[StepResult]) -> list[StepResult]:
        tallies: dict[int, Tally] = {}
        for net, items in self.numeric.items():
            if not items:
                continue
            acts = CONCRETE if net.activation.generic else (net.activation,)
            dr = draw(net, self.draws, self.seed)
            args = [*net.parameters, *net.x().values(), *net.y().values(),
                    *(s for k in net.samples for s in (*net.x(k).values(), *net.y(k).values())), *free_lambda(net)]
            exprs = [net.eng.xp.sympify(e) for _, _, a, b in items for e in (a, b)]
            cols = columns(net, dr, args)
            for act in acts:
                values = net.eng.lambdify(args, instantiate(net, act, exprs), compiled=self.draws > COMPILE_ABOVE)(cols)
                for n, (index, label, _, _) in enumerate(items):
                    tally = tallies.setdefault(index, Tally(self.draws))
                    if not tally.reason:
                        tally.add([label], act.name, values[2 * n: 2 * n + 1], values[2 * n + 1: 2 * n + 2])
        out = []
        for index, r in enumerate(results):
            if index in tallies and r.status != "not checked":  # a step left unchecked stays so
                num = tallies[index].result(self.rtol)
                r = replace(r, status="passed" if r.status == "passed" and num.passed else "failed", numeric=num)
            out.append(r)
        return out


def check_text(text: str, path: str, nets: tuple[Network, ...], *, draws: int = 64, seed: int = 0,
               rtol: float = 1e-9, strict: bool = False, progress=None) -> FileReport:
    """Check every display equation of ``text`` (read from ``path``) on the networks ``nets``.

    ``progress(what, done, total)``, if given, hears how many steps are done.
    """
    timings = {}
    start = time.perf_counter()
    steps = read_steps(text)
    timings["read"] = time.perf_counter() - start
    checker = _Checker(nets, draws, seed, rtol)
    start = time.perf_counter()
    say = progress or (lambda what, done, total: None)
    results = []
    for k, step in enumerate(steps):
        say(f"{path}:{step.line}", k, len(steps) + 1)
        if k >= MAX_STEPS:
            results.append(StepResult(step, "not checked", f"beyond the first {MAX_STEPS} equations of the file"))
            continue
        results.append(checker.symbolic(k, step))
    say(f"{path}: numeric check", len(steps), len(steps) + 1)
    timings["symbolic check"] = time.perf_counter() - start
    start = time.perf_counter()
    results = checker.numeric_pass(results)
    timings["numeric check"] = time.perf_counter() - start
    acts = tuple(a.name for a in (CONCRETE if nets[0].activation.generic else (nets[0].activation,)))
    return FileReport(path, nets, tuple(results), seed, rtol, draws, acts, strict, timings)


def check_file(path: str | Path, nets: tuple[Network, ...], **options) -> FileReport:
    """Read ``path`` (ReadError if it cannot be read) and check it; see ``check_text``."""
    return check_text(read_text(path), str(path), nets, **options)
