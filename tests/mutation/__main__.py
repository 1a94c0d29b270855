"""``python -m tests.mutation [--by-row] [--misses N] [--seed]``: the seed's mutants, per operator, and how derive did.

Prints a Markdown table: operator | mutants | true | false | then, for the false mutants, how many
derive failed at their own line, passed, left not checked, or otherwise (failed elsewhere, crashed);
and for the true mutants, how many it passed. ``--misses N`` lists up to N mutants per operator where
derive did not do what the oracle expects; ``--by-row`` adds the same table per mutated row; ``--seed``
prints the oracle's verdict on the seed's own steps first.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from .oracle import NETWORKS, POINTS, SAMPLES, step_holds, steps_of
from .seed_rows import ROWS
from .verdicts import FAILED_AT_LINE, NOT_CHECKED, OTHER, PASSED, every_operator, pool

COLUMNS = ("operator", "mutants", "true", "false", "false: failed at its line", "false: passed",
           "false: not checked", "false: other", "true: passed", "true: not passed")


def _row(name: str, items: list) -> list:
    false = Counter(o.derive for o in items if not o.true)
    true = [o for o in items if o.true]
    return [name, len(items), len(true), len(items) - len(true), false[FAILED_AT_LINE], false[PASSED],
            false[NOT_CHECKED], false[OTHER], sum(o.derive == PASSED for o in true),
            sum(o.derive != PASSED for o in true)]


def _table(columns: tuple[str, ...], rows: list[list]) -> None:
    print("| " + " | ".join(columns) + " |")
    print("| --- |" + " ---: |" * (len(columns) - 1))
    for r in rows:
        print("| " + " | ".join(map(str, r)) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__.split("\n")[0])
    parser.add_argument("--misses", type=int, default=0, help="list up to N misses per operator")
    parser.add_argument("--by-row", action="store_true", help="also count the mutants per mutated row")
    parser.add_argument("--seed", action="store_true", help="print the oracle's verdict on the seed's steps")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.seed:
        for index, row in enumerate(ROWS):
            holds, why = step_holds(*steps_of(ROWS, index)[0])
            print(f"line {row.line}: {'true' if holds else 'FALSE'} ({why})")
    with pool() as executor:
        found = every_operator(executor)
    every = [o for items in found.values() for o in items]
    _table(COLUMNS, [_row(op, items) for op, items in found.items()] + [_row("all", every)])
    if args.by_row:
        lines = sorted({o.mutant.line for o in every})
        print()
        _table(("row (line)", *COLUMNS[1:]), [_row(str(n), [o for o in every if o.mutant.line == n]) for n in lines])
    print(f"\noracle: networks {NETWORKS}, {POINTS} random points, m in {SAMPLES} where samples occur; "
          f"{time.perf_counter() - start:.0f} s in all")
    for op, items in found.items():
        misses = [o for o in items if not o.as_expected][:args.misses]
        if misses:
            print(f"\n{op}:")
            for o in misses:
                print("  " + o.describe())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
