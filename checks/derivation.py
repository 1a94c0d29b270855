"""Check a derivation as written: every display equation of a file, every step of every chain.

A row ``A = B = C`` gives the steps A = B and B = C; an align row that starts
with ``&=`` continues the chain of the row above (its first step compares with
the last side of that row). Each step is instantiated on test networks for every
value of its free indices (l, i, j, …) that exists there, decided exactly (see
checks.symbolic) and compared numerically (both sides evaluated over the draws).
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from checks.aliases import named
from checks.draws import columns, draw, free_lambda
from checks.model import read_model
from checks.numeric import Tally, at_draws, tested
from checks.results import FileReport, Status, Step, StepResult, Verdict
from checks.scope import Decider, prove_everywhere, table
from derive.errors import DeriveError, ParseError
from derive.meaning import Budget, free_indices
from derive.meaning.indices import ShapeError
from derive.meaning.instances import instances
from derive.meaning.lower import lower_equation
from derive.model.network import Network
from derive.reader import Node, display_equations, parse_equation, parse_expression, read_source
from derive.reader.frontmatter import declared
from derive.reader.tokens import DEFINES
from derive.settings import Settings

__all__ = ["read_steps", "check_text", "check_file", "DEFAULT_SIZES", "internal_error"]

DEFAULT_SIZES = ((2, 3, 2), (2, 3, 3, 2))  # one hidden layer, and two so that the recurrence is exercised
MAX_FREE = 4  # free indices per equation: l, i, j and one more (∂J/∂W^l_kj = a^l_j δ^{l+1}_i)
MAX_STEPS = 500  # equations and steps checked in one file; the rest are listed as not checked


def read_steps(text: str) -> list[Step]:
    """Every step of every display equation of ``text``, in order."""
    steps: list[Step] = []
    for block in display_equations(text):
        if block.skip:  # the author's marker: every row listed as skipped, none read or checked
            rows = [(r.line, r.text) for r in block.rows] or ([(block.start_line, "")] if block.error else [])
            steps += [Step(n, t, reason="marked derive: skip", chain=n, skip=True) for n, t in rows]
            continue
        if block.error:
            steps.append(Step(block.start_line, "", reason=block.error, chain=block.start_line))
            continue
        previous, chain = None, block.start_line  # previous: the last side of the chain above that could be read
        for row in block.rows:
            try:
                sides, continues = _sides(row.text)
            except ParseError as exc:
                steps.append(Step(row.line, row.text, reason=str(exc), chain=row.line))
                previous = None
                continue
            if continues:
                if previous is None:
                    steps.append(Step(row.line, row.text, reason="continues an equation that could not be read",
                                      chain=row.line))
                    continue
                sides = [previous, *sides]
            else:
                chain = row.line
            if len(sides) < 2:
                steps.append(Step(row.line, row.text, reason="no '=': nothing to check", chain=row.line))
            left = sides[0] if isinstance(sides[0], Node) else None
            for side in sides[1:]:  # a side that cannot be read is a step not checked; the chain goes on past it
                if isinstance(side, Node) and left is not None:
                    steps.append(Step(row.line, row.text, left, side, chain=chain,
                                      own_lhs=not continues and left is sides[0]))
                else:
                    steps.append(Step(row.line, row.text, reason=str(side if isinstance(side, str) else sides[0]),
                                      chain=chain))
                left = side if isinstance(side, Node) else left
            previous = left
    return steps


_SIGNS = re.compile(r"\\[A-Za-z]+|\\[\s\S]|:=|[\s\S]")  # what a row is split into to find its '=' signs
_OPEN, _CLOSE = frozenset({"{", "(", "[", "\\{"}), frozenset({"}", ")", "]", "\\}"})


def _sides(text: str) -> tuple[list[Node | str], bool]:
    """The sides of a row A = B = C and whether it starts with '=' (it continues the chain above). A row that does
    not parse as a whole is split at its '=' signs outside brackets and each side read alone, in place (columns as
    in the row): a side that cannot be read is the reason why. Raises ParseError when no side can be told apart."""
    try:
        relation = parse_equation(text)
        return [*([] if relation.lhs is None else [relation.lhs]), *relation.rhs], relation.lhs is None
    except ParseError as exc:
        whole = exc
    depth, bounds = 0, [0]
    for sign in _SIGNS.finditer(text):  # not the tokenizer: the side it fails on must not hide the '=' after it
        depth += (sign.group() in _OPEN) - (sign.group() in _CLOSE)
        if depth == 0 and (sign.group() == "=" or sign.group() in DEFINES):
            bounds += [sign.start(), sign.end()]
    pieces = [(start, text[start:end]) for start, end in zip(bounds[::2], [*bounds[1::2], len(text)])]
    continues = not pieces[0][1].strip()
    sides: list[Node | str] = []
    for start, piece in pieces[continues:]:
        try:
            sides.append(parse_expression(" " * start + piece))
        except ParseError as exc:
            sides.append(str(exc))
    unread = sum(isinstance(side, str) for side in sides)
    if len(pieces) < 2 or not unread or (unread == len(sides) and not continues):  # nothing to go on from, or no
        raise whole  # side to blame
    return sides, continues


class _Checker:
    """Symbolic pass over all steps, gathering the instances for one batched numeric pass."""

    def __init__(self, nets: tuple[Network, ...], settings: Settings, everywhere: bool = True):
        self.nets, self.settings, self.everywhere = nets, settings, everywhere  # everywhere: the all-widths proof
        self.numeric: dict = {net: [] for net in nets}  # net -> [(step index, label, left, right)]
        self.decide = Decider(settings.seed)

    def symbolic(self, index: int, step: Step) -> StepResult:
        """The step's symbolic check; an unexpected error (a bug) leaves this step alone not checked, said so."""
        try:
            return self._symbolic(index, step)
        except Exception as exc:  # fault isolation: the rest of the file is still checked
            self.numeric = {net: [item for item in items if item[0] != index] for net, items in self.numeric.items()}
            return StepResult(step, Status.NOT_CHECKED, internal_error(exc))

    def _symbolic(self, index: int, step: Step) -> StepResult:
        if step.reason or step.lhs is None or step.rhs is None:
            return StepResult(step, Status.NOT_CHECKED, step.reason)
        try:  # vectors and matrices: shapes first, then the equation between entries (i, j)
            lowered = lower_equation(step.lhs, step.rhs)
        except ShapeError as exc:
            return StepResult(step, Status.FAILED, f"shapes do not match: {exc}", 0, Status.REFUTED)
        except DeriveError as exc:
            return StepResult(step, Status.NOT_CHECKED, str(exc))
        lhs, rhs, entry = lowered or (step.lhs, step.rhs, "")
        names = sorted(free_indices(lhs) | free_indices(rhs))
        if len(names) > MAX_FREE:
            return StepResult(step, Status.NOT_CHECKED, f"too many free indices ({', '.join(names)})")
        self.decide = Decider(self.settings.seed)  # witness seeds count from each step's first instance
        try:
            count, first, remarks = self.on_test_networks(index, replace(step, lhs=lhs, rhs=rhs), names)
        except ShapeError as exc:  # an index typed by two layers, or one that runs past a width: wrong
            return StepResult(step, Status.FAILED, f"shapes do not match: {exc}", 0, Status.REFUTED)
        except DeriveError as exc:  # NotUnderstood, or an index error of the reader's: said, not checked
            return StepResult(step, Status.NOT_CHECKED, str(exc))
        if count == 0:
            sizes = " and ".join(",".join(map(str, n.sizes)) for n in self.nets)
            return StepResult(step, Status.NOT_CHECKED, f"no layer or unit of the test networks ({sizes}) fits it")
        scope = None
        if first.status is Status.PROVED and self.everywhere:
            scope, verdict = prove_everywhere(lhs, rhs, names, self.nets[0], self.decide)
            if verdict is not None:  # a refutation on the grid fails the step even where the test networks pass it
                scope, first = None, verdict
        if entry and first.failure is not None:  # name the entry in both notations
            first = replace(first, failure=replace(first.failure, where=f"{first.failure.where}, {entry} of "
                                                                        f"{step.lhs}, read as {lhs} = {rhs}"))
        return StepResult(step, Status.PASSED if first.status is Status.PROVED else Status.FAILED, "", count,
                          first.status, first.failure, remarks=tuple(sorted(remarks)), scope=scope)

    def on_test_networks(self, index: int, step: Step, names: list[str]) -> tuple[int, Verdict, set[str]]:
        """Decide every instance on the test networks (keeping them for the numeric pass): how many there
        are, the first refutation (else the first undecided one, else a proof), and the notation remarks."""
        count, first, remarks = 0, Verdict(Status.PROVED), set[str]()
        assert step.lhs is not None and step.rhs is not None
        for net in self.nets:
            for inst in instances(table(net), step.lhs, step.rhs, names, Budget()):
                remarks |= inst.right.remarks | (inst.left.remarks if step.own_lhs else frozenset())  # at its own row
                for unit, a, b in inst.pairs():
                    count += 1
                    label = inst.where(net.sizes) + (f", {unit}" if unit else "")
                    self.numeric[net].append((index, label, a, b))
                    if first.status is not Status.REFUTED:
                        v = self.decide(net, a, b, label)
                        first = v if v.status is Status.REFUTED or first.status is Status.PROVED else first
        return count, first, remarks

    def numeric_pass(self, results: list[StepResult]) -> list[StepResult]:
        tallies: dict[int, Tally] = {}
        for net, items in self.numeric.items():
            if items:
                self._draws(net, items, tallies)
        out = []
        for index, r in enumerate(results):
            if index in tallies and r.status in (Status.PASSED, Status.FAILED, Status.DEFINITION):
                num = tallies[index].result(self.settings.rtol)
                ok = r.status is not Status.FAILED and num.passed
                status = r.status if r.status is Status.DEFINITION and ok else Status.PASSED if ok else Status.FAILED
                r = replace(r, status=status, numeric=num)
            out.append(r)
        return out


    def _draws(self, net: Network, items: list, tallies: dict[int, Tally]) -> None:
        """Every step's instances on ``net`` over the draws, in one batch; where the batch breaks, step by
        step, so that only the steps that break it are internal errors."""
        draws = self.settings.draws
        args = [*net.parameters, *net.x().values(), *net.y().values(),
                *(s for k in net.samples for s in (*net.x(k).values(), *net.y(k).values())), *free_lambda(net)]
        cols = columns(net, draw(net, draws, self.settings.seed), args)
        try:
            exprs = [net.eng.xp.sympify(e) for _, _, a, b in items for e in (a, b)]
            for act in tested(net.activation):
                values = at_draws(net, act, exprs, args, cols)
                for n, (index, label, _, _) in enumerate(items):
                    tally = tallies.setdefault(index, Tally(draws))
                    if not tally.reason:
                        tally.add([label], act.name, values[2 * n: 2 * n + 1], values[2 * n + 1: 2 * n + 2])
        except Exception as exc:  # a bug on this network: its steps fail, none is lost
            steps = sorted({item[0] for item in items})
            if len(steps) == 1:
                tallies[steps[0]] = Tally(draws)
                tallies[steps[0]].reason = internal_error(exc)
                return
            for index in steps:
                tallies.pop(index, None)
                self._draws(net, [item for item in items if item[0] == index], tallies)


class _Bridge:
    """A chain goes on past a side that has no meaning: in A = B = C with B unreadable (B = … is not
    checked, A was read), the step B = C is checked as A = C, at C's line."""

    def __init__(self) -> None:
        self.read: dict[int, object] = {}  # chain -> the last side that was read
        self.unread: dict[int, tuple] = {}  # chain -> (the unreadable side, the last side read before it)

    def across(self, step: Step) -> Step:
        gap = self.unread.get(step.chain)
        if gap is not None and not step.own_lhs and step.lhs == gap[0]:
            return replace(step, lhs=gap[1])
        return step

    def note(self, step: Step, result: StepResult) -> None:
        if step.lhs is None or step.rhs is None:
            return
        if result.status is not Status.NOT_CHECKED:
            self.read[step.chain] = step.rhs
            self.unread.pop(step.chain, None)
        elif self.read.get(step.chain) == step.lhs:  # its left side was read: its right side is the gap
            self.unread[step.chain] = (step.rhs, step.lhs)


def internal_error(exc: Exception) -> str:
    """How a bug met while checking is reported: never a traceback, never a pass."""
    return f"internal error ({type(exc).__name__}: {exc})"


def _holds(result: StepResult) -> bool | None:
    """Whether a step was proved (None: it could not be read)."""
    return None if result.status is Status.NOT_CHECKED else result.symbolic is Status.PROVED


def check_text(text: str, path: str, nets: tuple[Network, ...], settings: Settings | None = None, *,
               progress=None, given: dict[str, str] | None = None, configured: dict | None = None) -> FileReport:
    """Check every display equation of ``text`` (read from ``path``) on the networks ``nets``.

    ``progress(what, done, total)``, if given, hears how many steps are done. ``given``: what the command
    line fixes of the model, over the front matter; ``configured``: what [tool.derive] sets, under it.
    """
    settings = settings or Settings()
    timings = {}
    start = time.perf_counter()
    steps, naming = named(read_steps(text))
    steps = [replace(s, reason=f"names {naming[k]}") if k in naming else s for k, s in enumerate(steps)]
    timings["read"] = time.perf_counter() - start
    start = time.perf_counter()
    model = read_model(steps[:MAX_STEPS], nets,
                       lambda k, step, candidate: _holds(_Checker(candidate, settings, False).symbolic(k, step)),
                       {**(configured or {}), **declared(text), **(given or {})}, text)
    steps = [model.candidate.read(step) for step in steps]  # in the seed's notation, as the model's convention says
    checker = _Checker(model.nets, settings)
    say = progress or (lambda what, done, total: None)
    results = []
    bridge = _Bridge()
    for k, step in enumerate(steps):
        say(f"{path}:{step.line}", k, len(steps) + 1)
        if step.skip:  # marked by the author: never checked, never passed
            results.append(StepResult(step, Status.SKIPPED, step.reason))
            continue
        if k >= MAX_STEPS:
            results.append(StepResult(step, Status.NOT_CHECKED, f"beyond the first {MAX_STEPS} equations of the file"))
            continue
        if k in naming:  # X := E with X new: a name, checked as nothing and never passed
            results.append(StepResult(step, Status.DEFINITION, step.reason))
            continue
        bridged = bridge.across(step)
        result = checker.symbolic(k, bridged)
        if bridged is not step:
            result = replace(result, remarks=(*result.remarks, "compared with the last side before the one above, "
                                                               "which could not be read"))
        bridge.note(bridged, result)
        if k in model.failures:  # (with the shape message, where that is why)
            shape = f": {result.reason}" if result.status is Status.FAILED and result.reason else ""
            result = replace(result, status=Status.FAILED, reason=model.failures[k] + shape)
        elif k in model.definitions:
            result = replace(result, status=Status.DEFINITION, reason=f"defines {model.definitions[k]}")
        results.append(result)
    say(f"{path}: numeric check", len(steps), len(steps) + 1)
    timings["symbolic check"] = time.perf_counter() - start
    start = time.perf_counter()
    with np.errstate(all="ignore"):  # an inf or NaN is a result (the step's numeric reason), not a warning
        results = checker.numeric_pass(results)
    timings["numeric check"] = time.perf_counter() - start
    acts = tuple(a.name for a in tested(model.nets[0].activation))
    return FileReport(path, model.nets, tuple(results), settings, acts, timings, model.description)


def check_file(path: str | Path, nets: tuple[Network, ...], settings: Settings | None = None, *,
               progress=None, given: dict[str, str] | None = None, configured: dict | None = None) -> FileReport:
    """Read ``path`` (derive.reader.sources: a notebook's Markdown cells, LaTeX with its inputs) and check it."""
    source = read_source(path)
    return check_text(source.text, str(path), nets, settings, progress=source.told(progress), given=given,
                      configured=configured).placed(source)
