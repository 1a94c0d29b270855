"""``pytest --derive FILE_OR_DIR``: every equation and step of a derivation as a pytest test.

Installed with derive (the ``pytest11`` entry point ``derive``); without ``--derive`` it collects nothing
and imports nothing of derive's checks.

- ``--derive PATH`` (repeatable) checks the file PATH, or every .md, .tex and .ipynb file under the directory
  PATH. Its paths join pytest's own arguments; given alone (``pytest --derive docs/post.md``) they are the
  whole run, in place of ``testpaths``. A .md/.tex/.ipynb file named as a plain argument is checked too, so
  ``pytest --derive a.md b.md`` checks both. To check docs on every run, write ``addopts = "--derive docs"``.
- Each file is checked once, at collection, as ``derive check FILE`` would (its front matter honoured);
  one item per step, named ``line-N`` (``line-N-2``, … for further steps of a chain on the same line;
  ``cell-C-line-N`` in a notebook): ``pytest --derive post.md -k line-46``.
- A failed step fails with derive's explanation (both sides, left − right, the witness); a step not checked
  fails too, unless ``--derive-allow-unchecked`` (then it is skipped, never passed); a step marked
  ``derive: skip`` and a definition are skipped with the reason. A file that cannot be read or whose front
  matter is wrong is one collection error, derive's one line.
- ``--derive-sizes``, ``--derive-activation``: the networks, as ``derive check --sizes/--activation``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from checks.results import FileReport
    from derive.testing import Checker

__all__ = ["DerivationFile", "DerivationStep", "StepFailed", "step_names", "pytest_addoption",
           "pytest_configure", "pytest_collect_file"]



@dataclass(frozen=True)
class _Run:
    """What --derive asked for: directories searched, files named, and the checker built from the options."""

    folders: tuple[Path, ...]
    files: frozenset[Path]
    checker: Checker

    def wants(self, path: Path) -> bool:
        from derive.reader.files import SUFFIXES

        path = path.resolve()
        return path in self.files or (path.suffix.lower() in SUFFIXES
                                      and any(f == path or f in path.parents for f in self.folders))


_RUN = pytest.StashKey[_Run]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """The options --derive, --derive-sizes, --derive-activation, --derive-allow-unchecked."""
    group = parser.getgroup("derive", "derive: check derivations (Markdown, LaTeX, notebooks) as tests")
    group.addoption("--derive", action="append", default=[], metavar="FILE_OR_DIR",
                    help="check this derivation file, or every .md/.tex/.ipynb file under this directory, one test "
                         "per equation or step (repeatable)")
    group.addoption("--derive-sizes", default=None, metavar="S1,S2,…",
                    help="with --derive: one network's layer widths (default 2,3,2 and 2,3,3,2, or the file's)")
    group.addoption("--derive-activation", default=None, metavar="NAME",
                    help="with --derive: the activation f (default generic: every differentiable f; "
                         "see `derive primitives`)")
    group.addoption("--derive-allow-unchecked", action="store_true",
                    help="with --derive: a step derive cannot check is skipped instead of failed")


def pytest_configure(config: pytest.Config) -> None:
    """With --derive: check the paths and options once (a usage error if wrong), and add the paths to the run."""
    given = config.getoption("derive", None)
    if not given:
        return
    from derive.errors import DeriveError, one_line
    from derive.testing import Checker

    here = config.invocation_params.dir
    for name in given:
        path = here / name
        if not path.exists():
            raise pytest.UsageError(f"--derive {one_line(name)}: no such file or directory")
        if path.suffix == ".py":
            raise pytest.UsageError(f"--derive {one_line(name)}: a Python file; give it to pytest without --derive")
    try:
        checker = Checker.of(sizes=config.getoption("derive_sizes"), activation=config.getoption("derive_activation"),
                             allow_unchecked=config.getoption("derive_allow_unchecked"))
    except DeriveError as exc:
        raise pytest.UsageError(f"derive: error: {one_line(str(exc))}") from None
    from derive.reader.files import SUFFIXES

    paths = [(here / name).resolve() for name in given]
    named = config.args if config.args_source is pytest.Config.ArgsSource.ARGS else []
    files = {p for p in paths if p.is_file()} | {
        p for p in ((here / arg).resolve() for arg in named) if p.suffix.lower() in SUFFIXES and p.is_file()}
    config.stash[_RUN] = _Run(tuple(p for p in paths if p.is_dir()), frozenset(files), checker)
    config.args = [*named, *(name for name in given if name not in named)]  # alone, they replace testpaths


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> DerivationFile | None:
    """A derivation file under the --derive paths (none without --derive)."""
    run = parent.config.stash.get(_RUN, None)
    if run is None or not run.wants(file_path):
        return None
    return DerivationFile.from_parent(parent, path=file_path)


class StepFailed(Exception):
    """A step that failed or was left not checked; the message is derive's explanation."""


def step_names(report: FileReport) -> list[str]:
    """One unique, stable name per step of ``report``: line-N, then line-N-2, … for further steps on line N
    (cell-C-line-N in a notebook, chapters/ch1.tex-line-N in a file that a .tex file inputs)."""
    seen: dict[str, int] = {}
    names = []
    for r in report.results:
        where = report.where(r)
        name = f"line-{where.line}" if where.cell is None else f"cell-{where.cell}-line-{where.line}"
        if where.path != report.path:
            name = f"{_relative(where.path, report.path)}-{name}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return names


def _relative(child: str, main: str) -> str:
    """A file that ``main`` inputs, as seen from ``main``'s folder (chapters/ch1.tex, ../shared/defs.tex)."""
    import os

    return os.path.relpath(child, os.path.dirname(main) or ".")


class DerivationFile(pytest.File):
    """A derivation, checked once when collected; one DerivationStep per equation or step."""

    report: FileReport
    texts: dict[int, str]

    def collect(self):
        from derive.errors import DeriveError, one_line
        from derive.testing import failure_texts

        shown = self.path.relative_to(self.config.invocation_params.dir) \
            if self.path.is_relative_to(self.config.invocation_params.dir) else self.path  # as pytest names it
        try:
            self.report = self.config.stash[_RUN].checker.check(shown)
        except DeriveError as exc:
            raise self.CollectError(f"derive: error: {one_line(str(exc))}") from None
        except Exception as exc:  # a bug met while checking: one line, as the command line says it
            from checks.derivation import internal_error
            raise self.CollectError(f"derive: {one_line(str(shown))}: {internal_error(exc)}") from None
        self.texts = failure_texts(self.report)
        for k, name in enumerate(step_names(self.report)):
            item = DerivationStep.from_parent(self, name=name, index=k)
            why = item.skipped()
            if why:  # a mark, so that pytest reports the skip at the step's line, not in this plugin
                item.add_marker(pytest.mark.skip(reason=why))
            yield item


class DerivationStep(pytest.Item):
    """One equation or step of a derivation: its verdict from the file's one check."""

    def __init__(self, *, index: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.index = index

    @property
    def file(self) -> DerivationFile:
        assert isinstance(self.parent, DerivationFile)
        return self.parent

    def skipped(self) -> str:
        """Why this step is skipped (marked ``derive: skip``, a definition, not checked but allowed), or ''."""
        from checks.results import Status

        report = self.file.report
        r = report.results[self.index]
        if r.status is Status.SKIPPED:
            return r.reason or "marked derive: skip"
        if r.status is Status.DEFINITION:
            return f"definition: {r.reason}" if r.reason else "definition"
        if report.accepts(r):  # never a bug met while checking, nor a part of the file unread
            return f"not checked (--derive-allow-unchecked): {r.reason}"
        return ""

    def runtest(self) -> None:
        from checks.results import Status
        from derive.testing import unchecked_text

        report = self.file.report
        r = report.results[self.index]
        if r.status is Status.PASSED:
            return
        if r.status is Status.FAILED:
            raise StepFailed(self.file.texts[self.index])
        if self.skipped():  # reached only if the skip mark was taken off: still never a pass
            pytest.skip(self.skipped())
        raise StepFailed(unchecked_text(report, self.index) + "\n(not checked is not passed; "
                                                              "--derive-allow-unchecked skips it)")

    def repr_failure(self, excinfo, style=None):
        """derive's explanation, not a traceback of the plugin."""
        if isinstance(excinfo.value, StepFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        from derive.render.terminal import plain

        report = self.file.report
        r = report.results[self.index]
        where = report.where(r)
        place = f"line {where.line}" if where.cell is None else f"cell {where.cell} line {where.line}"
        if where.path != report.path:  # in a file that a .tex file inputs: that file, its line
            place = f"{_relative(where.path, report.path)} {place}"
        return Path(where.path), where.line - 1, f"{place}: {plain(r.step.text)}"  # a cell's line, in a notebook
