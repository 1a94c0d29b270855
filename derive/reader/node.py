"""The base of every AST node and the walks over any node, a side of a row that holds for some layers only,
and a batch of columns.

``Qualified`` lives here, not in derive.reader.ast, so that the qualifier's reading
(derive.reader.conditions) can build AST nodes; derive.reader.ast re-exports them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace

__all__ = ["Node", "Qualified", "Columns", "admitted", "children", "descendants", "rebuild"]


class Node:
    """Base of every AST node."""

    __slots__ = ()


@dataclass(frozen=True)
class Qualified(Node):
    """A side of a row with a layer qualifier (``a^l_i = \\max(0, z^l_i) \\quad \\text{for } l = 2, \\dots, n_l - 1``):
    ``x`` where lower ≤ ``layer`` ≤ upper (a bound None is open), each an index expression. Elsewhere the row
    says nothing: those instances do not exist, as a layer outside a quantity's range does not."""

    x: Node
    layer: Node
    lower: Node | None
    upper: Node | None

    def qualifier(self) -> str:
        """The qualifier as LaTeX the reader reads back."""
        lo, hi = self.lower, self.upper
        if lo is not None and hi is not None:
            return f"\\text{{for }} {self.layer} = {lo}" + ("" if hi == lo else f", \\dots, {hi}")
        return f"\\text{{for }} {self.layer} " + (f"\\le {hi}" if lo is None else f"\\ge {lo}")

    def __str__(self) -> str:
        return f"{self.x} \\quad {self.qualifier()}"


@dataclass(frozen=True)
class Columns(Node):
    """A matrix written as its columns, \\left[x^{(1)}, x^{(2)}, \\dots, x^{(m)}\\right]: the columns as written,
    and where the ellipsis stood (None: no ellipsis). What the columns mean is derive.meaning.lower's to say."""

    items: tuple[Node, ...]
    dots: int | None = None
    label: str = field(default="", compare=False)  # the batch name it was defined as (A), for messages
    layer: Node | None = field(default=None, compare=False)  # and that name's layer (l + 1 in A^{(l+1)})

    def __str__(self) -> str:
        shown = [str(i) for i in self.items]
        if self.dots is not None:
            shown.insert(self.dots, "\\dots")
        return "\\left[" + ", ".join(shown) + "\\right]"


def admitted(node: Node, value: Callable[[Node], int]) -> Node | None:
    """``node`` without its qualifier where it admits the layer (``value`` gives the number an index
    expression stands for), None where it does not; any other node as it is."""
    if not isinstance(node, Qualified):
        return node
    at = value(node.layer)
    inside = (node.lower is None or value(node.lower) <= at) and (node.upper is None or at <= value(node.upper))
    return node.x if inside else None


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    """A node class's field names, found once (dataclasses.fields builds its answer anew on each call)."""
    if cls not in _FIELD_NAMES:
        _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return _FIELD_NAMES[cls]


def children(node: Node) -> list[Node]:
    """The nodes directly below ``node``, in field order."""
    out: list[Node] = []
    for name in _field_names(type(node)):
        value = getattr(node, name)
        if isinstance(value, tuple):
            out.extend(child for child in value if isinstance(child, Node))
        elif isinstance(value, Node):
            out.append(value)
    return out


def descendants(node: Node) -> Iterator[Node]:
    """``node`` and every node below it, parents first (depth first, in field order)."""
    stack = [node]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def rebuild(node: Node, fn: Callable[[Node, Node], Node | None]) -> Node:
    """``node`` rebuilt bottom-up; ``fn(original, rebuilt)`` may replace a node (None keeps it)."""
    changes: dict[str, object] = {}
    for name in _field_names(type(node)):
        value = getattr(node, name)
        if isinstance(value, Node):
            changes[name] = rebuild(value, fn)
        elif isinstance(value, tuple) and any(isinstance(v, Node) for v in value):
            changes[name] = tuple(rebuild(v, fn) if isinstance(v, Node) else v for v in value)
    new = replace(node, **changes) if changes else node  # type: ignore[type-var]
    return fn(node, new) or new
