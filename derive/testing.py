"""Derive in a pytest suite: ``assert_derivation(path)`` fails a test with derive's explanation of every step
that did not pass, and ``Checker`` is the one way the pytest plugin (derive.pytest_plugin) and that function
turn keyword options into networks and settings, through the command line's own conversions
(derive.options), so that a test checks a file exactly as ``derive check FILE`` would.

    from derive.testing import assert_derivation

    def test_the_post_derives_backprop_correctly():
        assert_derivation("docs/post.md")                    # as `derive check docs/post.md`
        assert_derivation("docs/tanh.md", sizes="2,3,2")     # as `derive check docs/tanh.md --sizes 2,3,2`
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

from derive.errors import SpecError, one_line
from derive.options import networks, refuse_if_too_large, settings_of, spec_of

if TYPE_CHECKING:
    from checks.results import FileReport
    from derive.settings import Settings

__all__ = ["OPTIONS", "Checker", "assert_derivation", "explanation", "failure_texts", "accepted", "unchecked_text",
           "WIDTH"]

# The options of ``derive check FILE``, by the names its parser gives them (``lam`` is --lambda), and their
# defaults; None leaves the choice to the file's front matter and definitions, or to derive's defaults.
OPTIONS = {"sizes": None, "activation": None, "loss": None, "output": None, "samples": 2, "lam": None,
           "no_l2": False, "engine": None, "draws": None, "seed": None, "rtol": None, "method": None,
           "allow_unchecked": False, "convention": None, "force": False}
WIDTH = 100  # columns of an explanation: failures read in a test log, not a terminal of known width


@dataclass(frozen=True)
class Checker:
    """Networks, settings and what the options fix of a file's model (loss, output, convention), built once
    from keyword options and used for every file; ``force`` runs a check derive estimates too large."""

    nets: tuple
    settings: Settings
    given: dict
    force: bool = False

    @classmethod
    def of(cls, **options) -> Checker:
        """From the options of ``derive check FILE`` (see OPTIONS): ``sizes`` as "2,3,2" or (2, 3, 2).

        Raises TypeError for an unknown option, SpecError (derive's one line) for a bad value."""
        from checks.derivation import DEFAULT_SIZES
        from derive.settings import Settings

        unknown = sorted(set(options) - set(OPTIONS))
        if unknown:
            raise TypeError(f"unknown derive option {unknown[0]!r} (known: {', '.join(OPTIONS)})")
        default = Settings()
        args = SimpleNamespace(**{**OPTIONS, "draws": default.draws, "seed": default.seed, "rtol": default.rtol,
                                  "method": default.method,
                                  **{k: v for k, v in options.items() if v is not None}})
        args.sizes = _sizes(args.sizes)
        if args.method == "probabilistic":  # as the command line: a file's steps are decided exactly
            raise SpecError("method probabilistic applies to the seed's claims; a file's equations are decided "
                            "exactly")
        spec = spec_of(args)  # None (an engine, an activation not given): the network's default
        nets = networks(spec, DEFAULT_SIZES)
        given = {k: v for k, v in (("loss", spec["loss"]), ("output", spec["output"]),
                                   ("convention", args.convention)) if v is not None}
        return cls(nets, settings_of(args), given, bool(args.force))

    def check(self, path: str | Path) -> FileReport:
        """Check the file at ``path`` as ``derive check`` does: ReadError, SpecError (a bad front matter, a
        check estimated too large) as derive's one-line errors."""
        from checks.derivation import check_file

        refuse_if_too_large(self.nets, self.settings, self.force, files=1)
        return check_file(path, self.nets, self.settings, given=self.given)


def _sizes(value) -> tuple[int, ...] | None:
    """``sizes`` as the command line's --sizes reads it ("2,3,2"), or a sequence of whole numbers."""
    if value is None or isinstance(value, tuple):
        return value
    if isinstance(value, str):
        import argparse

        from derive.arguments import sizes
        try:
            return sizes(value)
        except argparse.ArgumentTypeError as exc:
            raise SpecError(f"sizes: {exc}") from None
    return tuple(value)


def assert_derivation(path: str | Path, **options) -> FileReport:
    """Check the derivation at ``path`` and return its FileReport if it passes; raise AssertionError with
    derive's explanation of every failed or not-checked step, by line, if it does not.

    ``options`` are ``derive check``'s (OPTIONS): sizes, activation, loss, output, samples, lam, no_l2, engine,
    draws, seed, rtol, method, allow_unchecked, convention, force. The file's front matter is honoured as by
    the command line. A file that cannot be read raises derive's ReadError; a bad option, SpecError.

    >>> from pathlib import Path
    >>> seed = Path(__file__).resolve().parents[1] / "examples" / "seed.md"
    >>> assert_derivation(seed).passed
    True
    """
    __tracebackhide__ = True  # pytest shows the user's test line and derive's explanation, not this frame
    report = Checker.of(**options).check(path)
    if not report.passed:
        raise AssertionError(explanation(report))
    return report


def _rendered(report: FileReport, width: int) -> list[str]:
    """The terminal report's failures (derive.render.terminal, brief), plain, without the summary line."""
    from rich.console import Console

    from derive.render.terminal import render_file

    buffer = io.StringIO()
    render_file(report, Console(file=buffer, width=width, color_system=None), brief=True)
    lines = [line.rstrip() for line in buffer.getvalue().splitlines()]
    last = max((k for k, line in enumerate(lines) if line.startswith("FAIL  ")), default=len(lines))
    return lines[:last]  # the summary line (and its wrapped tail) is the report's, not a step's


def failure_texts(report: FileReport, width: int = WIDTH) -> dict[int, str]:
    """For each FAILED step, by its index in ``report.results``: the terminal report's explanation of it
    (where, both sides, left − right, the witness, the numeric disagreement), as plain text."""
    from checks.results import Status

    failed = [k for k, r in enumerate(report.results) if r.status is Status.FAILED]
    blocks: list[list[str]] = []
    for line in _rendered(report, width) if failed else []:
        if line.startswith("✗ ") or not blocks:  # one block per failed step, each opened by its ✗ line
            blocks.append([])
        blocks[-1].append(line)
    if len(blocks) != len(failed):  # the renderer changed how it lays failures out: say so, never drop one
        whole = "\n".join("\n".join(b) for b in blocks)
        return {k: whole for k in failed}
    return {k: "\n".join(block) for k, block in zip(failed, blocks)}


def accepted(report: FileReport, k: int) -> bool:
    """Whether step ``k``, not checked, is accepted as derive's own rule (FileReport.passed) accepts it under
    allow_unchecked: never a bug met while checking, nor a part of the file that could not be read."""
    from checks.results import Status, Step, StepResult

    r = report.results[k]
    if r.status is not Status.NOT_CHECKED or not report.settings.allow_unchecked:
        return False
    checked = StepResult(Step(r.step.line, ""), Status.PASSED)  # so that "nothing was checked" is not the reason
    return replace(report, results=(checked, r)).passed


def unchecked_text(report: FileReport, k: int) -> str:
    """Why step ``k`` of ``report`` was left not checked, where it is written."""
    r = report.results[k]
    return f"· {one_line(str(report.where(r)))} not checked: {one_line(r.reason)}"


def explanation(report: FileReport, width: int = WIDTH) -> str:
    """Why ``report`` does not pass: every failed step explained, every step not checked with its reason
    (unless the settings allow them), by line, then derive's one-line summary."""
    from checks.results import Status
    from derive.render.terminal import file_summary

    lines = [f"derive: {one_line(report.path)} does not pass"]
    texts = failure_texts(report, width)
    for k, r in enumerate(report.results):
        if k in texts:
            lines += [texts[k]] if texts[k] not in lines else []
        elif r.status is Status.NOT_CHECKED and not accepted(report, k):
            lines.append(unchecked_text(report, k))
    lines.append(file_summary(report))
    return "\n".join(lines)
