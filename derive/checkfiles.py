"""``derive check FILE…``: each file checked, in worker processes, and its report written as soon as it is ready."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from derive.commands import EXIT_FAIL, EXIT_PASS, EXIT_USAGE
from derive.errors import DeriveError, SpecError, one_line
from derive.options import networks, refuse_if_too_large, settings_of, spec_of

if TYPE_CHECKING:
    from checks.results import FileSummary
    from derive.settings import Settings

__all__ = ["check_files"]


def _check_one(path: str, spec: dict, settings: Settings, output: dict, given: dict) -> tuple[int, str, FileSummary]:
    """Check one file (in a worker process): (exit code, printed report, summary row)."""
    from rich.console import Console

    from checks.derivation import DEFAULT_SIZES, check_file
    from checks.results import FileSummary
    from derive.render.document import file_as_dict
    from derive.render.progress import ProgressBar
    from derive.render.terminal import render_file

    try:
        nets = networks(spec, DEFAULT_SIZES)
        with ProgressBar(enabled=output["progress"]) as bar:
            report = check_file(path, nets, settings, progress=bar, given=given)
    except DeriveError as exc:
        return EXIT_USAGE, "", FileSummary(path, error=f"derive: error: {exc}")
    except Exception as exc:  # a bug in this file: the other files are still checked
        from checks.derivation import internal_error
        return EXIT_FAIL, "", FileSummary(path, error=f"derive: {path}: {internal_error(exc)}")
    if output["json"]:
        text = json.dumps(file_as_dict(report), ensure_ascii=False) + "\n"
    else:
        buffer = io.StringIO()
        colour = output["colour"]
        render_file(report, Console(file=buffer, width=output["width"], force_terminal=colour,
                                    color_system="auto" if colour else None), brief=not output["single"])
        text = buffer.getvalue()
    return (EXIT_PASS if report.passed else EXIT_FAIL), text, FileSummary.of(report)


def check_files(args) -> int:
    from rich.console import Console

    console = Console()
    settings, spec = settings_of(args), spec_of(args)
    given = {k: v for k, v in (("loss", spec["loss"]), ("output", spec["output"]), ("convention", args.convention))
             if v is not None}  # what the command line fixes of each file's model
    if args.method == "probabilistic":  # a file's steps are decided one instance at a time, exactly
        raise SpecError("--probabilistic applies to the seed's claims; a file's equations are decided exactly")
    jobs = args.jobs or os.cpu_count() or 1
    if jobs < 1:
        raise SpecError(f"--jobs must be at least 1, got {jobs}")
    from checks.derivation import DEFAULT_SIZES

    nets = networks(spec, DEFAULT_SIZES)  # bad options fail once, before any file is read
    refuse_if_too_large(nets, settings, args.force, len(args.files), min(jobs, len(args.files)))
    single = len(args.files) == 1
    output = {"json": args.json, "single": single, "progress": single and not args.quiet, "width": console.width,
              "colour": console.is_terminal}
    work = [(str(p), spec, settings, output, given) for p in args.files]
    worst = EXIT_PASS
    summaries: list[FileSummary] = []
    for code, text, summary in _checked(work, jobs):  # each file's report (a JSON line) as soon as it is ready
        if summary.error:
            print(one_line(summary.error), file=sys.stderr)
        sys.stdout.write(text)
        sys.stdout.flush()
        worst, summaries = max(worst, code), [*summaries, summary]
    if len(summaries) > 1 and not args.json:
        from derive.render.terminal import render_summary
        render_summary(summaries, console)
    return worst


def _checked(work: list, jobs: int) -> Iterator[tuple[int, str, FileSummary]]:
    """``_check_one`` of each file, in order, in ``jobs`` worker processes."""
    if jobs == 1 or len(work) == 1:
        yield from (_check_one(*w) for w in work)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=min(jobs, len(work))) as pool:
        yield from pool.map(_check_one, *zip(*work))
