"""What the checks return: plain, frozen data that the renderers format and never recompute.

One ``Status`` for every verdict, one ``Failure`` for "where it first went wrong
and the evidence", and one result type per level: an entry's ``Verdict``, a
claim's ``SymbolicResult`` and ``NumericResult``, a ``Report`` on the seed's
claims, a ``FileReport`` on a file's equations, and a ``FileSummary`` row.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING

from derive.model.backprop import Claim
from derive.model.network import Network
from derive.reader.ast import Node
from derive.reader.origins import UNREAD, Span, locate
from derive.settings import Settings

if TYPE_CHECKING:
    from derive.reader.sources import Source

__all__ = ["Status", "Failure", "Verdict", "SymbolicResult", "Worst", "NumericResult", "ClaimResult", "Report",
           "Step", "Scope", "StepResult", "FileReport", "Location", "FileSummary", "show_with"]


class Status(str, Enum):
    """A verdict as the report and the JSON spell it."""

    PROVED = "proved"
    REFUTED = "refuted"
    UNDECIDED = "undecided"  # not identically 0, but no witness found: never a pass
    VACUOUS = "vacuous"  # the network has no entry of this claim
    PASSED = "passed"
    FAILED = "failed"
    NOT_CHECKED = "not checked"  # derive could not read or interpret it: never a pass
    SKIPPED = "skipped"  # the author marked it ``derive: skip``: listed, never checked, never a pass
    DEFINITION = "definition"  # a row that sets the model (checks.model): listed, never counted as passed

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


@dataclass(frozen=True)
class Failure:
    """Where a comparison first failed, the difference (automatic − hand, or left − right), and a witness:
    both sides at a random rational point, with what f was there (None when no witness was found).

    ``entry`` is (l, i, j) for an entry of a seed claim (1-based; j None for vectors)."""

    where: str
    difference: str
    automatic: str | None = None
    hand: str | None = None
    witness: str | None = None
    entry: tuple[int, int, int | None] | None = None


@dataclass(frozen=True)
class Verdict:
    """The decision on one entry: proved, refuted or undecided, with the failure when not proved."""

    status: Status
    failure: Failure | None = None


@dataclass(frozen=True)
class Scope:
    """For what networks a passed equation is proved: ``kind`` "all" (every width and depth, by the
    windows and width grid it was checked on) or "test networks" (and why it is not covered)."""

    kind: str
    grid: tuple[str, ...] = ()
    windows: tuple[str, ...] = ()
    not_covered: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        if self.kind == "all":
            return "proved for all widths and depths"
        return "proved on the test networks only" + (f": {'; '.join(self.not_covered)}" if self.not_covered else "")


@dataclass(frozen=True)
class SymbolicResult:
    status: Status
    entries: int
    failure: Failure | None = None
    note: str = ""
    method: str = "exact"
    error: float = 0.0  # for a probabilistic proof: the chance it is wrong
    scope: Scope | None = None  # for a proof: every network, or this one only

    @property
    def passed(self) -> bool:
        return self.status in (Status.PROVED, Status.VACUOUS)

    @property
    def label(self) -> str:
        """The status as a person reads it, e.g. 'proved (probabilistic, error ≤ 1e-70)'."""
        if self.status is Status.PROVED and self.method == "probabilistic":
            return f"proved (probabilistic, error ≤ {max(self.error, 1e-300):.0e})"
        return self.status.value


@dataclass(frozen=True)
class Worst:
    """The worst numeric disagreement: which entry, draw and activation, and both values."""

    entry: str
    draw: int
    activation: str
    automatic: float
    hand: float


@dataclass(frozen=True)
class NumericResult:
    status: Status  # PASSED or FAILED
    max_abs_error: float
    max_rel_error: float
    worst: Worst | None
    draws: int
    reason: str = ""  # why it failed when a value was NaN or inf
    undefined: int = 0  # (entry, draw) pairs where neither side was finite, so not compared

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    symbolic: SymbolicResult
    numeric: NumericResult

    @property
    def passed(self) -> bool:
        return self.symbolic.passed and self.numeric.passed


@dataclass(frozen=True)
class Report:
    """What was checked (network, settings) and one result per claim."""

    net: Network
    settings: Settings
    results: tuple[ClaimResult, ...]
    activations: tuple[str, ...]  # the concrete activations the numeric check ran with
    timings: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def _repr_markdown_(self) -> str | None:  # Jupyter: the claims as display math (derive.render.notebook)
        return _shown(self, "markdown")

    def _repr_pretty_(self, p, cycle: bool) -> None:  # IPython's text/plain: the verdict, not every field
        p.text(_shown(self, "text") or repr(self))


@dataclass(frozen=True)
class Step:
    """One equality of a file to check: its line, the row's LaTeX, both sides (or why it cannot be read)."""

    line: int
    text: str
    lhs: Node | None = None
    rhs: Node | None = None
    reason: str = ""
    chain: int = 0  # the line where its chain (or equation) starts
    own_lhs: bool = True  # whether lhs is written on this row (not carried over from the row above)
    skip: bool = False  # marked ``derive: skip`` by the author: listed as skipped, never checked


@dataclass(frozen=True)
class StepResult:
    step: Step
    status: Status  # PASSED, FAILED or NOT_CHECKED
    reason: str = ""
    instances: int = 0
    symbolic: Status | None = None
    failure: Failure | None = None
    numeric: NumericResult | None = None
    remarks: tuple[str, ...] = ()
    scope: Scope | None = None

    @property
    def passed(self) -> bool | None:
        return None if self.status in (Status.NOT_CHECKED, Status.SKIPPED, Status.DEFINITION) else (
            self.status is Status.PASSED)


@dataclass(frozen=True)
class Location:
    """Where an equation is written: a file's line, or a line of a notebook's cell (1-based)."""

    path: str
    line: int
    cell: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.cell is None else f"{self.path}:cell {self.cell}:{self.line}"


@dataclass(frozen=True)
class FileReport:
    """The result of checking one file: one StepResult per equation or step, in file order."""

    path: str
    nets: tuple[Network, ...]
    results: tuple[StepResult, ...]
    settings: Settings
    activations: tuple[str, ...]
    timings: dict = field(default_factory=dict)
    model: str = ""  # the model the file was checked against, and the lines that defined it
    spans: tuple[Span, ...] = ()  # where each line of the text read is written (none: in ``path`` itself)

    def where(self, result: StepResult) -> Location:
        """Where ``result``'s equation is written."""
        return self.at(result.step.line)

    def at(self, line: int) -> Location:
        """Where ``line`` of the text read (a notebook's cells, a LaTeX file with its inputs) is written."""
        return Location(*locate(self.spans, line, self.path))

    def placed(self, source: Source) -> FileReport:
        """This report on ``source``'s text, placed: where each line is written, every "line N" in its reasons
        and model said so, and each part of the source that could not be read a row not checked at its line."""
        unread = [StepResult(Step(line, "", reason=why, chain=line), Status.NOT_CHECKED, why)
                  for line, why in source.problems]
        results = [r if (said := source.relabel(r.reason)) == r.reason else replace(r, reason=said)
                   for r in sorted([*self.results, *unread], key=lambda r: r.step.line)]
        return replace(self, spans=source.spans, model=source.relabel(self.model), results=tuple(results))

    @property
    def checked(self) -> list[StepResult]:
        return [r for r in self.results if r.passed is not None]

    @property
    def skipped(self) -> int:
        return sum(r.status is Status.SKIPPED for r in self.results)

    @property
    def definitions(self) -> int:
        return sum(r.status is Status.DEFINITION for r in self.results)

    @property
    def unchecked(self) -> int:
        return sum(r.status is Status.NOT_CHECKED for r in self.results)

    @property
    def passed(self) -> bool:
        """Every checked equation passed, at least one was checked (or, under ``settings.allow_empty``, the file
        has no display equation at all), and none was left not checked (unless ``settings.allow_unchecked``);
        skipped equations count neither way."""
        internal = any(_never_excused(r) for r in self.results)
        nothing = not self.results and self.settings.allow_empty  # no display equation: nothing to check
        return (bool(self.checked) or nothing) and all(r.passed for r in self.checked) and not internal and (
            self.settings.allow_unchecked or not self.unchecked)

    def accepts(self, result: StepResult) -> bool:
        """Whether ``result``, left not checked, leaves the file passing: under ``settings.allow_unchecked``, and
        never a bug met while checking nor a part of the source never read."""
        return result.status is Status.NOT_CHECKED and self.settings.allow_unchecked and not _never_excused(result)

    def _repr_markdown_(self) -> str | None:  # Jupyter: the rows as display math (derive.render.notebook)
        return _shown(self, "markdown")

    def _repr_pretty_(self, p, cycle: bool) -> None:  # IPython's text/plain: the verdict, not every field
        p.text(_shown(self, "text") or repr(self))


def _never_excused(result: StepResult) -> bool:
    """A bug met while checking, or a part of the source never read: the file fails, whatever the settings."""
    return result.reason.startswith(("internal error", UNREAD))


@dataclass(frozen=True)
class FileSummary:
    """One row of the several-files table: counts of one file, or why it could not be read."""

    path: str
    equations: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    not_checked: int = 0
    ok: bool = False
    definitions: int = 0
    error: str = ""

    @classmethod
    def of(cls, report: FileReport) -> FileSummary:
        checked = report.checked
        return cls(report.path, len(report.results), passed=sum(bool(r.passed) for r in checked),
                   failed=sum(not r.passed for r in checked), skipped=report.skipped, not_checked=report.unchecked,
                   ok=report.passed, definitions=report.definitions)


_SHOWN: dict = {}  # kind ("markdown", "text") → render(report): how reports show themselves in IPython


def show_with(kind: str, render) -> None:
    """Let ``render(report) -> str`` show Reports and FileReports in Jupyter as ``kind`` ("markdown", "text"). The
    renderers are a layer above checks, so they register here (derive.render.notebook, on import, which
    ``%load_ext derive`` does) instead of checks importing them."""
    _SHOWN[kind] = render


def _shown(report: Report | FileReport, kind: str) -> str | None:
    """``report`` as ``kind``, or None (Jupyter then shows the plain repr) while no renderer is registered."""
    return _SHOWN[kind](report) if kind in _SHOWN else None
