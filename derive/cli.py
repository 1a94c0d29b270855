"""The command line: a thin shell over derive and checks.

Exit codes: 0 every claim passed, 1 a claim failed (or, for a FILE, an equation was left not checked and
--allow-unchecked was not given), 2 bad usage or bad input.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from pathlib import Path
from typing import NoReturn

from derive.arguments import exact, float_, int_, ladder, negatives, sizes
from derive.commands import EXIT_FAIL, EXIT_PASS, EXIT_USAGE, Listened, bench, primitives, writable, write
from derive.config import configured
from derive.errors import DeriveError, one_line
from derive.options import networks, refuse_if_too_large, settings_of, spec_of

__all__ = ["main", "run"]



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


def _format_name(text: str) -> str:
    from derive.render import FORMATS

    if text not in FORMATS:
        raise argparse.ArgumentTypeError(f"unknown format {text!r} (known: {', '.join(FORMATS)})")
    return text


def _parser() -> argparse.ArgumentParser:
    from derive.meaning.conventions import CONVENTIONS
    from derive.render import FORMATS

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
    check.add_argument("--allow-empty", action="store_true",
                       help="with FILE: a file with no display equation (a README) passes, with nothing to check "
                            "(a FOLDER's files always may)")
    check.add_argument("--convention", metavar="|".join(c.key for c in CONVENTIONS),
                       help="with FILE: the notation it is written in (default: read from its forward pass)")
    check.add_argument("--jobs", type=int_, default=0, help="with several FILEs: worker processes (default: cores)")
    check.add_argument("--format", metavar="|".join(FORMATS), type=_format_name, default=None,
                       help="text (the table, the default), json, concise (a PATH:LINE:COL line per problem), github "
                            "(annotations; a summary to $GITHUB_STEP_SUMMARY) or sarif (SARIF 2.1.0)")
    check.add_argument("--json", action="store_true", help="print one JSON document instead of the table "
                                                           "(--format json)")
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


def _report(args):
    from checks.report import run
    from derive.render.progress import ProgressBar

    settings = settings_of(args)
    (net,) = networks(spec_of(args), ((2, 3, 3, 2),))
    refuse_if_too_large((net,), settings, args.force)
    with ProgressBar(enabled=not args.quiet) as bar:
        return run(net, settings=settings, progress=bar)


def _export_file(args, targets: list, writers: dict) -> int:
    """A derivation's rows, each in the form it was written (index or vector), with what derive found."""
    from checks.derivation import DEFAULT_SIZES, check_file
    from checks.results import Status

    if len(args.files) > 1 or args.form != "index":
        raise DeriveError("export takes one FILE, whose rows are written as the file writes them (no --form)")
    report = check_file(args.files[0], networks(spec_of(args), DEFAULT_SIZES), settings_of(args))
    for path, fmt in targets:
        write(path, writers[fmt](report))
        print(f"wrote {path} ({sum(r.status is Status.PASSED for r in report.results)} of "
              f"{len(report.results)} steps verified)")
    return EXIT_PASS if report.passed else EXIT_FAIL


def _check(args) -> int:
    if args.json and args.format not in (None, "json"):
        raise DeriveError(f"--json is --format json: give one of --json and --format {args.format}")
    args.format = "json" if args.json else args.format or "text"
    if args.files:
        from derive.checkfiles import check_files
        return check_files(args)
    for given, flag in ((args.strict, "--strict"), (args.allow_unchecked, "--allow-unchecked"),
                        (args.allow_empty, "--allow-empty"), (args.convention, "--convention")):
        if given:
            raise DeriveError(f"{flag} applies to checking a FILE")
    report = _report(args)
    if args.format not in ("text", "json"):
        from derive.checkfiles import finish
        from derive.render.formats import claim_problems, claims_row, lines

        found = claim_problems(report)
        print(lines(args.format, found), end="")
        finish(args.format, list(found), [claims_row(report)], claims=True)
    elif args.format == "json":
        from derive.render.document import as_dict
        doc = as_dict(report)
        if not args.timings:
            doc.pop("timings", None)
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        from derive.render import rich_console
        from derive.render.terminal import render
        render(report, rich_console(), timings=args.timings)
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


def run() -> NoReturn:
    """The process's entry (the ``derive`` script, ``python -m derive``): main, then exit with its code.

    What the run built is first frozen out of the garbage collector: the interpreter's collections at exit
    would walk all of it only to free memory the process hands back anyway (about a tenth of a default
    check's wall time). Objects stay alive until exit, so nothing is lost: every file is closed by then.
    """
    code = main()
    gc.freeze()
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: this process's) and return the exit code."""
    out, sys.stdout = sys.stdout, Listened(sys.stdout)
    try:
        return _main(argv)
    finally:
        sys.stdout = out


def _main(argv: list[str] | None) -> int:
    try:
        words = negatives(sys.argv[1:] if argv is None else argv)
        args = configured(_parser().parse_args(words), words, _parser)  # [tool.derive] under the command line
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
    run()
