"""The command line: a thin shell over derive and checks.

Exit codes: 0 every claim passed, 1 a claim failed, 2 bad usage or bad input.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import sys
from fractions import Fraction
from pathlib import Path

from derive.errors import DeriveError, ReadError, SpecError

__all__ = ["main"]

EXIT_PASS, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, no usage dump
        raise DeriveError(message)


def _parsed(convert, expected: str):
    """An argparse type: ``convert(text)``, or a one-line message saying what was expected."""
    def parse(text: str):
        try:
            return convert(text)
        except (ValueError, ZeroDivisionError):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    return parse


def _widths(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(","))


_sizes = _parsed(_widths, "whole numbers separated by commas")
_int = _parsed(int, "a whole number")
_float = _parsed(float, "a number")
_exact = _parsed(Fraction, "a finite number")
_ladder = _parsed(lambda text: [(_widths(rung.split(":")[0]), int(rung.split(":")[1]) if ":" in rung else 2)
                                for rung in text.split(";") if rung.strip()], "SIZES:M;SIZES:M…")


def _add_network_options(p: argparse.ArgumentParser) -> None:
    from derive.activations import ACTIVATIONS
    from derive.engine import ENGINES

    p.add_argument("--sizes", type=_sizes, default=None,
                   help="layer widths s_1,...,s_{n_l} (default 2,3,3,2; for a file, 2,3,2 and 2,3,3,2)")
    p.add_argument("--activation", default="generic", metavar="|".join(ACTIVATIONS),
                   help="f: generic (any differentiable f, the default) or a concrete one")
    p.add_argument("--samples", type=_int, default=2, help="number of samples m (default 2)")
    p.add_argument("--lambda", dest="lam", type=_exact, default=None, help="a fixed L2 strength (default: symbolic λ)")
    p.add_argument("--no-l2", action="store_true", help="no regularisation (λ = 0)")
    p.add_argument("--draws", type=_int, default=64, help="random draws for the numeric check (default 64)")
    p.add_argument("--seed", type=_int, default=0, help="seed of every random draw (default 0)")
    p.add_argument("--rtol", type=_float, default=1e-9, help="relative tolerance of the numeric check (default 1e-9)")
    p.add_argument("--engine", default="symengine", metavar="|".join(ENGINES),
                   help="symbolic engine (default symengine)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--force", action="store_true", help="run even a network estimated too large to finish")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--exact", dest="method", action="store_const", const="exact", default="auto",
                     help="decide equality by exact expansion, however long it takes")
    how.add_argument("--probabilistic", dest="method", action="store_const", const="probabilistic",
                     help="decide equality by evaluation modulo a large prime (fast; error bound reported)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="derive", description="Verify a backpropagation derivation symbolically and numerically.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    check = sub.add_parser("check", help="print the pass/fail derivation report")
    check.add_argument("files", nargs="*", metavar="FILE",
                       help="check the display equations of these Markdown/LaTeX/text files "
                            "instead of the seed's claims")
    _add_network_options(check)
    check.add_argument("--strict", action="store_true", help="with FILE: an equation left unchecked is a failure")
    check.add_argument("--jobs", type=_int, default=0, help="with several FILEs: worker processes (default: cores)")
    check.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    check.add_argument("--timings", action="store_true", help="print where the time goes")
    export = sub.add_parser("export", help="write the verified equations as LaTeX and/or Markdown")
    _add_network_options(export)
    export.add_argument("--latex", type=Path, metavar="FILE", help="write a complete LaTeX document")
    export.add_argument("--markdown", type=Path, metavar="FILE", help="write Markdown with $$ display blocks")
    bench = sub.add_parser("bench", help="time `derive check` on a ladder of networks: wall, memory, phases")
    bench.add_argument("--ladder", type=_ladder, default=None, metavar="SIZES:M;…",
                       help="networks to time, e.g. '2,3,3,2:2;4,5,5,3:1' (default: six up to 10,20,20,20,5)")
    bench.add_argument("--baseline", action="store_true",
                       help="also time the hand-written SymPy check on each network, and the speed-up")
    bench.add_argument("--timeout", type=_float, default=120.0, help="seconds allowed to the baseline (default 120)")
    bench.add_argument("--plot", type=Path, metavar="PNG", help="draw time against parameters, log-log")
    bench.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    return parser


def _networks(args, default: tuple) -> tuple:
    from derive.activations import activation
    from derive.network import Network

    if args.no_l2 and args.lam is not None:
        raise SpecError("--no-l2 and --lambda contradict each other")
    if args.draws < 1:
        raise SpecError(f"--draws must be at least 1, got {args.draws}")
    if args.seed < 0:
        raise SpecError(f"--seed must be a whole number ≥ 0, got {args.seed}")
    if not (args.rtol > 0 and math.isfinite(args.rtol)):
        raise SpecError(f"--rtol: the relative tolerance must be a positive finite number, got {args.rtol}")
    lam = 0 if args.no_l2 else args.lam
    act = activation(args.activation)
    return tuple(Network(sizes, act, m=args.samples, lam=lam, engine=args.engine)
                 for sizes in ((args.sizes,) if args.sizes else default))


def _refuse_if_too_large(net, args) -> None:
    from checks.budget import estimate

    guess = estimate(net, args.draws, args.method)
    if guess.too_large and not args.force:
        raise SpecError(f"sizes {','.join(map(str, net.sizes))} ({net.parameter_count:,} parameters) would take {guess}"
                        " by derive's estimate; use --force to run anyway")


def _report(args):
    from checks.report import run
    from derive.render.progress import ProgressBar

    (net,) = _networks(args, ((2, 3, 3, 2),))
    _refuse_if_too_large(net, args)
    with ProgressBar(enabled=not args.quiet) as bar:
        return run(net, draws=args.draws, seed=args.seed, rtol=args.rtol, method=args.method, progress=bar)


def _spec(args) -> dict:
    """What a worker process needs to rebuild the networks (activations hold functions: not picklable)."""
    return {k: getattr(args, k) for k in ("sizes", "activation", "samples", "lam", "no_l2", "draws", "seed", "rtol",
                                          "engine", "strict", "json", "quiet", "method")}


def _check_one(path: str, spec: dict, width: int, colour: bool) -> tuple:
    """Check one file (in a worker process): (exit code, printed report, summary row, error line)."""
    from rich.console import Console

    from checks.derivation import DEFAULT_SIZES, check_file
    from derive.render.document import file_as_dict
    from derive.render.progress import ProgressBar
    from derive.render.terminal import render_file

    args = argparse.Namespace(**spec)
    try:
        nets = _networks(args, DEFAULT_SIZES)
        with ProgressBar(enabled=not args.quiet and spec.get("single", False)) as bar:
            report = check_file(path, nets, draws=args.draws, seed=args.seed, rtol=args.rtol, strict=args.strict,
                                progress=bar)
    except DeriveError as exc:
        return EXIT_USAGE, "", (path, None), f"derive: error: {exc}"
    if args.json:
        text = json.dumps(file_as_dict(report), ensure_ascii=False) + "\n"
    else:
        buffer = io.StringIO()
        render_file(report, Console(file=buffer, width=width, force_terminal=colour, color_system="auto" if colour
                                    else None), brief=not spec.get("single", False))
        text = buffer.getvalue()
    checked = report.checked
    row = (path, (len(report.results), sum(r.passed for r in checked), sum(not r.passed for r in checked),
                  len(report.results) - len(checked), report.passed))
    return (EXIT_PASS if report.passed else EXIT_FAIL), text, row, ""


def _check_files(args) -> int:
    from rich.console import Console

    console = Console()
    spec = {**_spec(args), "single": len(args.files) == 1}
    jobs = args.jobs or os.cpu_count() or 1
    if jobs < 1:
        raise SpecError(f"--jobs must be at least 1, got {jobs}")
    for net in _networks(args, ((2, 2),)):  # bad options fail once, before any file is read
        _refuse_if_too_large(net, args)
    work = [(str(p), spec, console.width, console.is_terminal) for p in args.files]
    if jobs == 1 or len(work) == 1:
        results = [_check_one(*w) for w in work]
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(jobs, len(work))) as pool:
            results = list(pool.map(_check_one, *zip(*work)))
    worst = EXIT_PASS
    for code, text, _, error in results:
        if error:
            print(error, file=sys.stderr)
        sys.stdout.write(text)
        worst = max(worst, code)
    if len(results) > 1 and not args.json:
        from derive.render.terminal import render_summary
        render_summary([row for _, _, row, _ in results], console)
    return worst


def _check(args) -> int:
    if args.files:
        return _check_files(args)
    if args.strict:
        raise DeriveError("--strict applies to checking a FILE")
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


def _writable(path: Path) -> None:
    """Refuse early a path that cannot be written, before the checks run."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ReadError(f"cannot write {path}: it is a directory")
    if not parent.is_dir():
        raise ReadError(f"cannot write {path}: folder {parent} does not exist")
    if not os.access(path if path.exists() else parent, os.W_OK):
        raise ReadError(f"cannot write {path}: permission denied")


def _export(args) -> int:
    from derive.render.export import latex, markdown

    targets = [(p, fmt) for p, fmt in ((args.latex, latex), (args.markdown, markdown)) if p is not None]
    if not targets:
        raise DeriveError("export needs --latex FILE and/or --markdown FILE")
    for path, _ in targets:
        _writable(path)
    report = _report(args)
    for path, fmt in targets:
        path.write_text(fmt(report), encoding="utf-8")
        print(f"wrote {path} ({sum(r.passed for r in report.results)} of {len(report.results)} claims verified)")
    return EXIT_PASS if report.passed else EXIT_FAIL


def _bench(args) -> int:
    from rich.console import Console

    from derive.bench import LADDER, bench_ladder, markdown_table, plot, render

    if not args.timeout > 0:
        raise SpecError(f"--timeout must be positive, got {args.timeout}")
    if args.plot is not None:
        _writable(args.plot)
    console = Console()
    rows = bench_ladder(args.ladder or LADDER, args.baseline, args.timeout,
                        on_row=lambda r: console.print(f"measured {','.join(map(str, r['sizes']))}: "
                                                       f"{r['wall']:.2f} s", style="dim"))
    render(rows, console)
    if args.markdown:
        print(markdown_table(rows))
    if args.plot is not None:
        plot(rows, args.plot)
        print(f"wrote {args.plot}")
    return EXIT_PASS if all(r["passed"] for r in rows) else EXIT_FAIL


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        return {"check": _check, "export": _export, "bench": _bench}[args.command](args)
    except DeriveError as exc:
        print(f"derive: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. piped into head: the reader left, nothing to report
        sys.stderr.close()
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("derive: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
