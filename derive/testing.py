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

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from derive.errors import SpecError, one_line
from derive.options import networks, refuse_if_too_large, settings_of, spec_of

if TYPE_CHECKING:
    from checks.results import FileReport
    from derive.settings import Settings

__all__ = ["OPTIONS", "Checker", "assert_derivation", "explanation", "failure_texts", "unchecked_text"]

# The options of ``derive check FILE``, by the names its parser gives them (``lam`` is --lambda), and the flag
# each is given as: options become that command line, read as ``derive check`` reads it ([tool.derive] included).
OPTIONS = {"sizes": "--sizes", "activation": "--activation", "loss": "--loss", "output": "--output",
           "samples": "--samples", "lam": "--lambda", "no_l2": "--no-l2", "engine": "--engine", "draws": "--draws",
           "seed": "--seed", "rtol": "--rtol", "method": "--", "allow_unchecked": "--allow-unchecked",
           "convention": "--convention", "force": "--force"}


@dataclass(frozen=True)
class Checker:
    """Networks, settings and what the options fix of a file's model over its front matter (``given``) and
    under it (``configured``, from [tool.derive]), built once from keyword options and used for every file;
    ``force`` runs a check derive estimates too large."""

    nets: tuple
    settings: Settings
    given: dict
    configured: dict
    force: bool = False

    @classmethod
    def of(cls, **options) -> Checker:
        """From the options of ``derive check FILE`` (see OPTIONS; ``sizes`` as "2,3,2" or (2, 3, 2)), with the
        ``[tool.derive]`` table of the current folder's project under them, as on the command line.

        Raises TypeError for an unknown option, DeriveError (derive's one line) for a bad value."""
        unknown = sorted(set(options) - set(OPTIONS))
        if unknown:
            raise TypeError(f"unknown derive option {unknown[0]!r} (known: {', '.join(OPTIONS)})")
        checker, _ = cls.read([word for k, v in options.items() if v is not None and v is not False
                               for word in _words(k, v)])
        return checker

    @classmethod
    def read(cls, words: list[str]) -> tuple[Checker, list[str]]:
        """From the words of a ``derive check`` command line after ``check``: the checker, read as the command
        line reads it ([tool.derive] under the options, its ``paths`` not used), and the FILEs the words name."""
        from checks.derivation import DEFAULT_SIZES
        from derive.arguments import negatives
        from derive.cli import _parser
        from derive.config import configured, file_model

        argv = negatives(["check", *words])
        args = _parser().parse_args(argv)
        files, args.files = args.files, args.files or ["FILE"]  # a FILE: the table's paths stay unread
        args = configured(args, argv, _parser)
        if args.method == "probabilistic":  # as the command line: a file's steps are decided exactly
            raise SpecError("--probabilistic applies to the seed's claims; a file's equations are decided exactly")
        spec = spec_of(args)
        given, under = file_model(args, spec)
        return cls(networks(spec, DEFAULT_SIZES), settings_of(args), given, under, args.force), files

    def check(self, path: str | Path) -> FileReport:
        """Check the file at ``path`` as ``derive check`` does: ReadError, SpecError (a bad front matter, a
        check estimated too large) as derive's one-line errors."""
        from checks.derivation import check_file

        refuse_if_too_large(self.nets, self.settings, self.force, files=1)
        return check_file(path, self.nets, self.settings, given=self.given, configured=self.configured)

    def check_text(self, text: str, path: str) -> FileReport:
        """Check ``text`` (read from ``path``, e.g. a notebook's cell) as ``derive check`` checks a file's."""
        from checks.derivation import check_text

        refuse_if_too_large(self.nets, self.settings, self.force, files=1)
        return check_text(text, path, self.nets, self.settings, given=self.given, configured=self.configured)


def _words(name: str, value) -> list[str]:
    """One option as the command line writes it: ``--sizes 2,3,2``, ``--no-l2``, ``--exact``."""
    if name == "method":
        return [f"--{value}"]
    if value is True:
        return [OPTIONS[name]]
    text = ",".join(map(str, value)) if isinstance(value, (tuple, list)) else str(value)
    return [f"{OPTIONS[name]}={text}"]


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


def failure_texts(report: FileReport) -> dict[int, str]:
    """For each FAILED step, by its index in ``report.results``: the terminal report's explanation of it
    (where, both sides, left − right, the witness, the numeric disagreement), as plain text."""
    from derive.render.terminal import failures

    return {k: "\n".join([head, *(f"  {line}" for line in lines)]) for k, (head, *lines) in failures(report).items()}


def unchecked_text(report: FileReport, k: int) -> str:
    """Why step ``k`` of ``report`` was left not checked, where it is written."""
    r = report.results[k]
    return f"· {one_line(str(report.where(r)))} not checked: {one_line(r.reason)}"


def explanation(report: FileReport) -> str:
    """Why ``report`` does not pass: every failed step explained, every step not checked with its reason
    (unless the settings allow them), by line, then derive's one-line summary."""
    from checks.results import Status
    from derive.render.terminal import file_summary

    lines = [f"derive: {one_line(report.path)} does not pass"]
    texts = failure_texts(report)
    for k, r in enumerate(report.results):
        if k in texts:
            lines += [texts[k]] if texts[k] not in lines else []
        elif r.status is Status.NOT_CHECKED and not report.accepts(r):
            lines.append(unchecked_text(report, k))
    lines.append(file_summary(report))
    return "\n".join(lines)
