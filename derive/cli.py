"""The command line: a thin shell over derive and checks.

Exit codes: 0 every claim passed, 1 a claim failed (or, for a FILE, an equation was left not checked and
--allow-unchecked was not given), 2 bad usage or bad input.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from derive.arguments import exact, float_, int_, ladder, negatives, sizes
from derive.commands import EXIT_FAIL, EXIT_PASS, EXIT_USAGE, Listened, bench, primitives, writable, write
from derive.errors import DeriveError, SpecError, one_line

if TYPE_CHECKING:
    from checks.results import FileSummary
    from derive.settings import Settings

__all__ = ["main"]



class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, no usage dump
        raise DeriveError(message)


def _add_network_options(p: argparse.ArgumentParser) -> None:
    from derive.model.engines import ENGINES
    from derive.model.losses import LOSSES, output_names
    from derive.primitives import ACTIVATIONS, GENERIC
    from derive.settings import Settings

    default = Settings()

    p.add_argument("--sizes", type=sizes, default=None,
                   help="layer widths s_1,...,s_{n_l} (default 2,3,3,2; for a file, 2,3,2 and 2,3,3,2)")
    p.add_argument("--activation", default=GENERIC, metavar="|".join(ACTIVATIONS),
                   help=f"f: {GENERIC} (any differentiable f, the default) or a concrete one")
    p.add_argument("--loss", metavar="|".join(LOSSES),
                   help="J(W,b;x,y) (default squared: ½Σ(a−y)², or what a FILE defines; cross-entropy with a "
                        "softmax output is categorical)")
    p.add_argument("--output", metavar="|".join(output_names()),
                   help="output layer (default same: f, or what a FILE defines)")
    p.add_argument("--samples", type=int_, default=2, help="number of samples m (default 2)")
    p.add_argument("--lambda", dest="lam", type=exact, default=None, help="a fixed L2 strength (default: symbolic λ)")
    p.add_argument("--no-l2", action="store_true", help="no regularisation (λ = 0)")
    p.add_argument("--draws", type=int_, default=default.draws,
                   help=f"random draws for the numeric check (default {default.draws})")
    p.add_argument("--seed", type=int_, default=default.seed,
                   help=f"seed of every random draw (default {default.seed})")
    p.add_argument("--rtol", type=float_, default=default.rtol,
                   help=f"relative tolerance of the numeric check (default {default.rtol:g})")
    p.add_argument("--engine", default="symengine", metavar="|".join(ENGINES),
                   help="symbolic engine (default symengine)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--force", action="store_true", help="run even a network estimated too large to finish")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--exact", dest="method", action="store_const", const="exact", default=default.method,
                     help="decide equality by exact expansion, however long it takes")
    how.add_argument("--probabilistic", dest="method", action="store_const", const="probabilistic",
                     help="decide equality by evaluation modulo a large prime (fast; error bound reported)")


def _parser() -> argparse.ArgumentParser:
    from derive.meaning.conventions import CONVENTIONS

    parser = _Parser(prog="derive", description="Verify a backpropagation derivation symbolically and numerically.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    check = sub.add_parser("check", help="print the pass/fail derivation report")
    check.add_argument("files", nargs="*", metavar="FILE",
                       help="check the display equations of these Markdown/LaTeX/text files "
                            "instead of the seed's claims")
    _add_network_options(check)
    unchecked = check.add_mutually_exclusive_group()
    unchecked.add_argument("--allow-unchecked", action="store_true",
                           help="with FILE: exit 0 even if equations are left not checked (they stay listed so)")
    unchecked.add_argument("--strict", action="store_true",
                           help="with FILE: an equation left not checked fails the file (the default now; "
                                "kept for old scripts)")
    check.add_argument("--convention", metavar="|".join(c.key for c in CONVENTIONS),
                       help="with FILE: the notation it is written in (default: read from its forward pass)")
    check.add_argument("--jobs", type=int_, default=0, help="with several FILEs: worker processes (default: cores)")
    check.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    check.add_argument("--timings", action="store_true", help="print where the time goes")
    export = sub.add_parser("export", help="write the verified equations as LaTeX and/or Markdown")
    export.add_argument("files", nargs="*", metavar="FILE", help="a derivation whose rows to export, as written")
    _add_network_options(export)
    export.add_argument("--latex", type=Path, metavar="FILE", help="write a complete LaTeX document")
    export.add_argument("--markdown", type=Path, metavar="FILE", help="write Markdown with $$ display blocks")
    export.add_argument("--form", choices=("index", "vector", "both"), default="index",
                        help="the claims in index form, vector form (each checked entry by entry first) or both")
    sub.add_parser("primitives", help="list the functions and activations derive knows (Markdown tables)")
    bench = sub.add_parser("bench", help="time `derive check` on a ladder of networks: wall, memory, phases")
    bench.add_argument("--ladder", type=ladder, default=None, metavar="SIZES:M;…",
                       help="networks to time, e.g. '2,3,3,2:2;4,5,5,3:1' (default: six up to 10,20,20,20,5)")
    bench.add_argument("--baseline", action="store_true",
                       help="also time the hand-written SymPy check on each network, and the speed-up")
    bench.add_argument("--timeout", type=float_, default=120.0, help="seconds allowed to the baseline (default 120)")
    bench.add_argument("--plot", type=Path, metavar="PNG", help="draw time against parameters, log-log")
    bench.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    return parser


def _settings(args) -> Settings:
    from derive.settings import Settings

    return Settings(draws=args.draws, seed=args.seed, rtol=args.rtol, method=args.method,
                    allow_unchecked=getattr(args, "allow_unchecked", False))


def _spec(args) -> dict:
    """The network options, as names (an activation holds functions, which worker processes cannot receive)."""
    if args.no_l2 and args.lam is not None:
        raise SpecError("--no-l2 and --lambda contradict each other")
    loss = "categorical" if (args.loss, args.output) == ("cross-entropy", "softmax") else args.loss
    return {"sizes": args.sizes, "activation": args.activation, "m": args.samples,
            "lam": 0 if args.no_l2 else args.lam, "engine": args.engine, "loss": loss, "output": args.output}


def _networks(spec: dict, default: tuple) -> tuple:
    from derive.model.network import Network

    fields = {k: v for k, v in spec.items() if k != "sizes" and v is not None}  # activation, m, lam, engine, …
    return tuple(Network(sizes, **fields) for sizes in ((spec["sizes"],) if spec["sizes"] else default))


def _refuse_if_too_large(nets: tuple, settings: Settings, force: bool, files: int = 0, jobs: int = 1) -> None:
    """Refuse, before any symbol is built, a run estimated too long or too large: the seed's claims on ``nets[0]``,
    or (``files`` > 0) that many files, ``jobs`` at a time, each on every network of ``nets``."""
    from checks.budget import estimate, estimate_file

    guess = estimate_file(nets, settings, files, jobs) if files else estimate(nets[0], settings)
    if guess.too_large and not force:
        what = f"checking {files} file{'s' * (files > 1)} on " if files else ""
        raise SpecError(f"{what}sizes {' and '.join(','.join(map(str, n.sizes)) for n in nets)} "
                        f"({sum(n.parameter_count for n in nets):,} parameters) would take {guess} by derive's "
                        "estimate; use --force to run anyway")


def _report(args):
    from checks.report import run
    from derive.render.progress import ProgressBar

    settings = _settings(args)
    (net,) = _networks(_spec(args), ((2, 3, 3, 2),))
    _refuse_if_too_large((net,), settings, args.force)
    with ProgressBar(enabled=not args.quiet) as bar:
        return run(net, settings=settings, progress=bar)


def _check_one(path: str, spec: dict, settings: Settings, output: dict, given: dict) -> tuple[int, str, FileSummary]:
    """Check one file (in a worker process): (exit code, printed report, summary row)."""
    from rich.console import Console

    from checks.derivation import DEFAULT_SIZES, check_file
    from checks.results import FileSummary
    from derive.render.document import file_as_dict
    from derive.render.progress import ProgressBar
    from derive.render.terminal import render_file

    try:
        nets = _networks(spec, DEFAULT_SIZES)
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


def _check_files(args) -> int:
    from rich.console import Console

    console = Console()
    settings, spec = _settings(args), _spec(args)
    given = {k: v for k, v in (("loss", spec["loss"]), ("output", spec["output"]), ("convention", args.convention))
             if v is not None}  # what the command line fixes of each file's model
    if args.method == "probabilistic":  # a file's steps are decided one instance at a time, exactly
        raise SpecError("--probabilistic applies to the seed's claims; a file's equations are decided exactly")
    jobs = args.jobs or os.cpu_count() or 1
    if jobs < 1:
        raise SpecError(f"--jobs must be at least 1, got {jobs}")
    from checks.derivation import DEFAULT_SIZES

    nets = _networks(spec, DEFAULT_SIZES)  # bad options fail once, before any file is read
    _refuse_if_too_large(nets, settings, args.force, len(args.files), min(jobs, len(args.files)))
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


def _export_file(args, targets: list, writers: dict) -> int:
    """A derivation's rows, each in the form it was written (index or vector), with what derive found."""
    from checks.derivation import DEFAULT_SIZES, check_file
    from checks.results import Status

    if len(args.files) > 1 or args.form != "index":
        raise DeriveError("export takes one FILE, whose rows are written as the file writes them (no --form)")
    report = check_file(args.files[0], _networks(_spec(args), DEFAULT_SIZES), _settings(args))
    for path, fmt in targets:
        write(path, writers[fmt](report))
        print(f"wrote {path} ({sum(r.status is Status.PASSED for r in report.results)} of "
              f"{len(report.results)} steps verified)")
    return EXIT_PASS if report.passed else EXIT_FAIL


def _check(args) -> int:
    if args.files:
        return _check_files(args)
    for given, flag in ((args.strict, "--strict"), (args.allow_unchecked, "--allow-unchecked"),
                        (args.convention, "--convention")):
        if given:
            raise DeriveError(f"{flag} applies to checking a FILE")
    report = _report(args)
    if args.json:
        from derive.render.document import as_dict
        doc = as_dict(report)
        if not args.timings:
            doc.pop("timings", None)
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        from rich.console import Console

        from derive.render.terminal import render
        render(report, Console(), timings=args.timings)
    return EXIT_PASS if report.passed else EXIT_FAIL


def _export(args) -> int:
    from derive.render.export import file_latex, file_markdown, latex, markdown

    targets = [(p, fmt) for p, fmt in ((args.latex, latex), (args.markdown, markdown)) if p is not None]
    if not targets:
        raise DeriveError("export needs --latex FILE and/or --markdown FILE")
    for path, _ in targets:
        writable(path)
    if args.files:
        return _export_file(args, targets, {latex: file_latex, markdown: file_markdown})
    report = _report(args)
    vectors = {}
    if args.form != "index":
        from checks.vector_forms import vector_forms
        vectors = vector_forms(report)
    for path, fmt in targets:
        write(path, fmt(report, args.form, vectors))
        print(f"wrote {path} ({sum(r.passed for r in report.results)} of {len(report.results)} claims verified)")
    return EXIT_PASS if report.passed else EXIT_FAIL


def main(argv: list[str] | None = None) -> int:
    out, sys.stdout = sys.stdout, Listened(sys.stdout)
    try:
        return _main(argv)
    finally:
        sys.stdout = out


def _main(argv: list[str] | None) -> int:
    try:
        args = _parser().parse_args(negatives(sys.argv[1:] if argv is None else argv))
        return {"check": _check, "export": _export, "bench": bench, "primitives": primitives}[args.command](args)
    except DeriveError as exc:
        print(f"derive: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # an output that cannot be written (a full disk, a path that vanished): one line
        print(one_line(f"derive: error: cannot write {exc.filename or 'the output'}: {exc.strerror or exc}"),
              file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("derive: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
