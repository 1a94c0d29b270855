"""Command-line values: each parsed, or refused with one line saying what was expected."""

from __future__ import annotations

import argparse
from fractions import Fraction

__all__ = ["sizes", "int_", "float_", "exact", "ladder", "negatives"]


def _parsed(convert, expected: str):
    """An argparse type: ``convert(text)``, or a one-line message saying what was expected."""
    def parse(text: str):
        try:
            return convert(text)
        except (ValueError, ZeroDivisionError, OverflowError):
            shown = text if len(text) <= 60 else f"{text[:40]}… ({len(text):,} characters)"
            raise argparse.ArgumentTypeError(f"expected {expected}, got {shown!r}") from None
    return parse


def _widths(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(","))


sizes = _parsed(_widths, "whole numbers separated by commas")
int_ = _parsed(int, "a whole number")
float_ = _parsed(float, "a number")


def _finite(text: str) -> Fraction:
    """An exact number that a float can hold (1e309 cannot: the numeric check would overflow)."""
    value = Fraction(text)
    float(value)  # OverflowError past the floats
    return value


def _rungs(text: str) -> list[tuple[tuple[int, ...], int]]:
    rungs = [(_widths(rung.split(":")[0]), int(rung.split(":")[1]) if ":" in rung else 2)
             for rung in text.split(";") if rung.strip()]
    if not rungs:
        raise ValueError("no rung")
    return rungs


exact = _parsed(_finite, "a finite number")
ladder = _parsed(_rungs, "SIZES:M;SIZES:M…")


def negatives(argv: list[str]) -> list[str]:
    """``--lambda -0.5`` as ``--lambda=-0.5``: argparse would read a value that starts with '-' as an option."""
    out = list(argv)
    for k in range(len(out) - 1, 0, -1):
        if out[k - 1] == "--lambda" and out[k].startswith("-"):
            out[k - 1: k + 1] = [f"--lambda={out[k]}"]
    return out
