"""How derive does on the mutants, against the oracle's labels (the one module here that imports derive).

Each mutant is the seed with one row replaced, checked as a whole file on derive's default networks,
as ``derive check FILE`` does. A false mutant is caught when derive fails a step at the mutated row's
line and leaves no step unchecked; a true mutant is accepted when every step passes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache

from checks.derivation import DEFAULT_SIZES, check_text
from checks.results import Status
from derive.model.network import Network

from .operators import OPERATORS, Mutant, mutants
from .oracle import label
from .seed_rows import ROWS, SEED, with_row

__all__ = ["FAILED_AT_LINE", "PASSED", "NOT_CHECKED", "OTHER", "Outcome", "derive_verdict", "outcomes", "pool"]

FAILED_AT_LINE, PASSED, NOT_CHECKED, OTHER = "failed at its line", "passed", "not checked", "other"


@dataclass(frozen=True)
class Outcome:
    """A mutant, the oracle's label (``true``) and reason, and what derive made of it."""

    mutant: Mutant
    true: bool
    why: str
    derive: str  # FAILED_AT_LINE, PASSED, NOT_CHECKED or OTHER
    detail: str

    @property
    def as_expected(self) -> bool:
        return self.derive == (PASSED if self.true else FAILED_AT_LINE)

    def describe(self) -> str:
        row = self.mutant.latex.replace("\n", " ")
        return (f"[{self.mutant.operator}] line {self.mutant.line}: {row}\n    oracle: "
                f"{'true' if self.true else 'false'} ({self.why}); derive: {self.derive} {self.detail}".rstrip())


@cache
def _nets() -> tuple[Network, ...]:
    return tuple(Network(sizes) for sizes in DEFAULT_SIZES)


def derive_verdict(text: str, line: int) -> tuple[str, str]:
    """(FAILED_AT_LINE, PASSED, NOT_CHECKED or OTHER, a detail) for ``text``, mutated at ``line``. A mutated row
    that is still a definition sets another model (checks.model): caught when the file then fails."""
    try:
        results = check_text(text, "mutant.md", _nets()).results
    except Exception as exc:  # a crash is a finding, reported with the others
        return OTHER, f"error: {type(exc).__name__}: {exc}"
    unchecked = [r for r in results if r.status is Status.NOT_CHECKED]
    if unchecked:
        return NOT_CHECKED, "; ".join(f"line {r.step.line}: {r.reason}" for r in unchecked)
    failed = [r for r in results if r.status not in (Status.PASSED, Status.DEFINITION)]  # a definition sets the model
    if not failed:
        return PASSED, ""
    here = [r for r in failed if r.step.line == line and r.status is Status.FAILED]
    if here:
        return FAILED_AT_LINE, here[0].reason
    lines = sorted({r.step.line for r in failed})
    if any(r.step.line == line and r.status is Status.DEFINITION for r in results):  # it defines another model
        return FAILED_AT_LINE, f"a definition of another model, under which line(s) {lines} fail"
    return OTHER, f"failed at line(s) {lines}, not {line}"


def _derive_task(job: tuple[str, int]) -> tuple[str, str]:
    return derive_verdict(*job)


_DONE: dict[tuple[str, int], tuple[str, str]] = {}  # derive's verdicts, per process


def outcomes(operator: str, executor: Executor | None = None) -> list[Outcome]:
    """Every mutant of ``operator``, labelled by the oracle and checked by derive (in ``executor`` if given)."""
    seed = SEED.read_text(encoding="utf-8")
    items = mutants(operator)
    jobs = [(with_row(seed, m.index, m.row), m.line) for m in items]
    todo = [job for job in dict.fromkeys(jobs) if job not in _DONE]
    run: Callable[..., Iterable] = executor.map if executor is not None else map
    _DONE.update(zip(todo, run(_derive_task, todo)))
    out = []
    for m, job in zip(items, jobs):
        true, why = label(ROWS, m.index, m.row)
        out.append(Outcome(m, true, why, *_DONE[job]))
    return out


def pool() -> ProcessPoolExecutor:
    """A pool of one worker per CPU (at least two) for ``outcomes``."""
    return ProcessPoolExecutor(max_workers=max(2, os.cpu_count() or 2))


def every_operator(executor: Executor | None = None) -> dict[str, list[Outcome]]:
    """``outcomes`` of every operator, in the order of OPERATORS."""
    return {op: outcomes(op, executor) for op in OPERATORS}
