"""``derive check FILE…``: each file checked, in worker processes, and its report written as soon as it is ready."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from derive.commands import EXIT_FAIL, EXIT_PASS, EXIT_USAGE
from derive.config import file_model
from derive.errors import DeriveError, ReadError, SpecError, one_line
from derive.options import networks, refuse_if_too_large, settings_of, spec_of
from derive.render import rich_console

if TYPE_CHECKING:
    from checks.results import FileSummary
    from derive.render.formats import Problem
    from derive.settings import Settings

__all__ = ["check_files", "expanded", "finish"]

Checked = tuple[int, str, "FileSummary", tuple["Problem", ...]]  # exit code, printed text, summary row, problems


def _check_one(path: str, spec: dict, settings: Settings, output: dict, given: dict,
               configured: dict) -> Checked:
    """Check one file (in a worker process): (exit code, its report in the chosen format, summary row, problems)."""
    from checks.derivation import DEFAULT_SIZES, check_file
    from checks.results import FileSummary
    from derive.render.document import file_as_dict
    from derive.render.formats import file_problem, lines, problems
    from derive.render.progress import ProgressBar
    from derive.render.terminal import render_file

    fmt = output["format"]
    try:
        nets = networks(spec, DEFAULT_SIZES)
        with ProgressBar(enabled=output["progress"]) as bar:
            report = check_file(path, nets, settings, progress=bar, given=given, configured=configured)
    except DeriveError as exc:
        found: tuple[Problem, ...] = (file_problem(path, str(exc)),)
        return EXIT_USAGE, lines(fmt, found), FileSummary(path, error=f"derive: error: {exc}"), found
    except Exception as exc:  # a bug in this file: the other files are still checked
        from checks.derivation import internal_error
        found = (file_problem(path, internal_error(exc)),)
        return EXIT_FAIL, lines(fmt, found), FileSummary(path, error=f"derive: {path}: {internal_error(exc)}"), found
    found = problems(report)
    if fmt == "json":
        text = json.dumps(file_as_dict(report), ensure_ascii=False) + "\n"
    elif fmt != "text":
        text = lines(fmt, found)  # concise or github: a line per problem; sarif: nothing until the end
    else:
        buffer = io.StringIO()
        colour = output["colour"]
        render_file(report, rich_console(file=buffer, width=output["width"], force_terminal=colour,
                                         color_system="auto" if colour else None), brief=not output["single"])
        text = buffer.getvalue()
    return (EXIT_PASS if report.passed else EXIT_FAIL), text, FileSummary.of(report), found


def expanded(files: list[str]) -> list[tuple[str, bool]]:
    """The FILEs, each folder replaced by its .md, .tex and .ipynb files (derive.reader.files.derivations_in)
    but those another .tex file of the folder inputs (a LaTeX project is checked once, from its main file); for
    each, whether it was found in a folder (where a file of prose, with no display equation, is no failure)."""
    from derive.reader.files import SUFFIXES, derivations_in

    out: list[tuple[str, bool]] = []  # a file named twice is checked twice, as asked; a folder adds the others
    for name in files:
        if not Path(name).is_dir():
            out.append((name, False))
        elif not (found := derivations_in(Path(name))):
            raise SpecError(f"{name}: no {', '.join(SUFFIXES)} file in this folder")
        else:
            inputs = {child for p in found if p.suffix.lower() == ".tex" for child in _inputs(p)}
            seen = {n for n, _ in out}
            out += [(str(p), True) for p in found if p.resolve() not in inputs and str(p) not in seen]
    return out


def _inputs(tex: Path) -> set[Path]:
    """The files a .tex file \\inputs or \\includes, at any depth (none if it cannot be read)."""
    from derive.reader.sources import read_source

    try:
        spans = read_source(tex).spans
    except DeriveError:
        return set()
    return {Path(span.path).resolve() for span in spans} - {tex.resolve()}


def check_files(args) -> int:
    console = rich_console()
    settings, spec = settings_of(args), spec_of(args)
    given, configured = file_model(args, spec)  # over and under each file's front matter
    if args.method == "probabilistic":  # a file's steps are decided one instance at a time, exactly
        raise SpecError("--probabilistic applies to the seed's claims; a file's equations are decided exactly")
    jobs = args.jobs or os.cpu_count() or 1
    if jobs < 1:
        raise SpecError(f"--jobs must be at least 1, got {jobs}")
    from checks.derivation import DEFAULT_SIZES

    nets = networks(spec, DEFAULT_SIZES)  # bad options fail once, before any file is read
    found_in = expanded(args.files)
    args.files = [name for name, _ in found_in]
    refuse_if_too_large(nets, settings, args.force, len(args.files), min(jobs, len(args.files)))
    single = len(args.files) == 1
    output = {"format": args.format, "single": single, "progress": single and not args.quiet, "width": console.width,
              "colour": console.is_terminal}
    work = [(p, spec, replace(settings, allow_empty=True) if folder else settings, output, given, configured)
            for p, folder in found_in]
    worst = EXIT_PASS
    summaries: list[FileSummary] = []
    found: list[Problem] = []
    for code, text, summary, problems in _checked(work, jobs):  # each file's report as soon as it is ready
        if summary.error:
            print(one_line(summary.error), file=sys.stderr)
        sys.stdout.write(text)
        sys.stdout.flush()
        worst, summaries = max(worst, code), [*summaries, summary]
        found += problems
    if len(summaries) > 1 and args.format == "text":
        from derive.render.terminal import render_summary
        render_summary(summaries, console)
    finish(args.format, found, summaries)
    return worst


def finish(fmt: str, found: list[Problem], rows: list[FileSummary], claims: bool = False) -> None:
    """What a machine format prints once every file (or the seed's claims) is checked: concise and github the
    closing line (github also appends a Markdown summary to $GITHUB_STEP_SUMMARY when it names a file),
    sarif the one SARIF document of the run."""
    from derive.render.formats import package_version, sarif, step_summary, summary_line

    if fmt == "sarif":
        print(json.dumps(sarif(found, package_version()), indent=2, ensure_ascii=False))
    if fmt not in ("concise", "github"):
        return
    closing = summary_line(found, rows, claims)
    print(closing)
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and target:
        try:
            with open(target, "a", encoding="utf-8") as out:  # appended: the summaries of earlier steps stay
                out.write(step_summary(found, rows, closing))
        except OSError as exc:
            raise ReadError(f"cannot write {target} ($GITHUB_STEP_SUMMARY): {exc.strerror or exc}") from None


def _checked(work: list, jobs: int) -> Iterator[Checked]:
    """``_check_one`` of each file, in order, in ``jobs`` worker processes."""
    if jobs == 1 or len(work) == 1:
        yield from (_check_one(*w) for w in work)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=min(jobs, len(work))) as pool:
        yield from pool.map(_check_one, *zip(*work))
