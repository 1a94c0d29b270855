"""Read display equations out of Markdown, LaTeX or plain text and parse their index notation.

`display_equations` finds the rows; `parse_equation` turns one row into a `Relation` of AST
nodes (`derive.reader.ast`), index notation and vector form alike. No SymPy here: turning the AST
into mathematics is the caller's job.
"""

from importlib import import_module
from typing import TYPE_CHECKING

from derive.reader.ast import (
    Add,
    Call,
    Derivative,
    Frac,
    Hadamard,
    Kronecker,
    Mul,
    Neg,
    Node,
    Norm,
    Num,
    Pow,
    Relation,
    Sum,
    Sym,
    Transpose,
    Var,
)
from derive.reader.parse import MAX_DEPTH, parse_equation, parse_expression

if TYPE_CHECKING:
    from derive.reader.extract import Block, Row, display_equations
    from derive.reader.files import read_text
    from derive.reader.origins import Span
    from derive.reader.sources import Source, read_source

_HOME = {"display_equations": "extract", "Block": "extract", "Row": "extract", "read_text": "files",
         "Span": "origins", "Source": "sources", "read_source": "sources"}


def __getattr__(name: str):
    """Reading a file (display equations, notebooks, \\input) from its module on first use: the seed's claims only
    parse their own LaTeX."""
    if name in _HOME:
        return getattr(import_module(f"derive.reader.{_HOME[name]}"), name)
    raise AttributeError(f"module 'derive.reader' has no attribute {name!r}")

__all__ = [
    "read_text", "read_source", "Source", "Span", "display_equations", "Block", "Row",
    "parse_equation", "parse_expression", "MAX_DEPTH",
    "Node", "Num", "Var", "Sym", "Call", "Add", "Mul", "Neg", "Pow", "Frac", "Sum",
    "Derivative", "Norm", "Transpose", "Hadamard", "Kronecker", "Relation",
]
