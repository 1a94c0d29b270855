"""Layers as values: vectors and matrices of expressions, for equations written without unit indices.

``z^{l+1} = W^l a^l + b^l`` reads W^l as a matrix and a^l, b^l as vectors; a
norm squares a vector. Shapes that do not fit are said, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from derive.errors import NotUnderstood

__all__ = ["Vec", "Mat", "as_value", "scalar", "scale", "combine", "product", "entries"]


@dataclass(frozen=True)
class Vec:
    items: tuple


@dataclass(frozen=True)
class Mat:
    rows: tuple


def as_value(table: dict, matrix: bool):
    if not matrix:
        return Vec(tuple(table[i] for i in sorted(table)))
    rows = sorted({i for i, _ in table})
    cols = sorted({j for _, j in table})
    return Mat(tuple(tuple(table[i, j] for j in cols) for i in rows))


def scalar(value, node):
    if isinstance(value, (Vec, Mat)):
        raise NotUnderstood(f"{node} differentiates a vector")
    return value


def scale(value, c):
    if isinstance(value, Vec):
        return Vec(tuple(c * e for e in value.items))
    if isinstance(value, Mat):
        return Mat(tuple(tuple(c * e for e in row) for row in value.rows))
    return c * value


def combine(p, q, op):
    if isinstance(p, Vec) and isinstance(q, Vec) and len(p.items) == len(q.items):
        return Vec(tuple(op(a, b) for a, b in zip(p.items, q.items)))
    if isinstance(p, (Vec, Mat)) or isinstance(q, (Vec, Mat)):
        raise NotUnderstood("adds a vector to something of another shape")
    return op(p, q)


def product(p, q):
    if isinstance(p, Mat) and isinstance(q, Vec):
        if len(p.rows[0]) != len(q.items):
            raise NotUnderstood("a matrix times a vector of another length")
        return Vec(tuple(sum(a * b for a, b in zip(row, q.items)) for row in p.rows))
    if isinstance(p, (Vec, Mat)) and isinstance(q, (Vec, Mat)):
        raise NotUnderstood("a product of two vectors (write the sum over the index)")
    if isinstance(q, (Vec, Mat)):
        return scale(q, p)
    if isinstance(p, (Vec, Mat)):
        return scale(p, q)
    return p * q


def entries(value) -> tuple:
    """Every entry of a vector or matrix (a number: itself)."""
    if isinstance(value, Vec):
        return value.items
    if isinstance(value, Mat):
        return tuple(e for row in value.rows for e in row)
    return (value,)
