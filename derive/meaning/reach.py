"""What an equation reaches: the layers it names, and whether they are counted from the output or the input.

W^L and b^L reach layers L and L+1; z^L, a^L, δ^L and s_L reach L; x reaches 1; y,
h_{W,b}(x) and the value of J reach n_l. A first derivative of J reaches only what
it is taken with respect to and the layer of the δ it brings: it touches the layers
above only through that δ (docs/all-widths.md, Lemma 1). So ∂J/∂a^L reaches L and
L+1 (it is Σ_k W^L_kj δ^{L+1}_k), and only L = n_l at the output (a^{n_l} − y).
"""

from __future__ import annotations

from collections.abc import Iterator

from derive.meaning.indices import LAYER_SPAN, is_width, layer_value, letters
from derive.reader.ast import Call, Derivative, Node, Sym, children

__all__ = ["reach_of", "anchors"]


def reach_of(node: Node, n_l: int, layers: dict[str, int]) -> set[int]:
    """The layers ``node`` names at depth ``n_l`` with these layer values."""
    found: set[int] = set()
    if isinstance(node, Derivative) and isinstance(node.body, Call) and node.body.name == "J":
        wrt = node.wrt  # a first derivative of J sees the layers above only through the δ it brings
        L = layer_value(wrt.sup, layers, n_l) if wrt.sup is not None else 1
        found = {L, L + 1} if wrt.name in ("W", "w", "b") or (wrt.name == "a" and L < n_l) else {L}
    elif isinstance(node, Sym) and node.name in LAYER_SPAN and node.sup is not None:
        L = layer_value(node.sup, layers, n_l)
        found = {L, L + 1} if node.name in ("W", "w", "b") else {L}
    elif isinstance(node, Sym) and is_width(node):
        found = {layer_value(node.sub[0], layers, n_l)}
    elif isinstance(node, Sym) and node.name in ("x", "y"):
        found = {1 if node.name == "x" else n_l}
    elif isinstance(node, Call) and (node.name == "h" or node.name == "J"):
        found = {n_l}
    else:
        for child in children(node):
            found |= reach_of(child, n_l, layers)
    return found


def anchors(*sides: Node) -> tuple[bool, bool]:
    """Whether a layer is written relative to the output (n_l, or y, h, J's value), and whether one is a number.

    A first derivative of J is anchored by what it is taken with respect to, not by J.
    """
    output = fixed = False
    for side in sides:
        for n in _anchoring(side):
            output |= (isinstance(n, Sym) and n.name == "y") or (isinstance(n, Call) and n.name in ("h", "J"))
            layer = n.sup if isinstance(n, Sym) and n.name in LAYER_SPAN else (
                n.sub[0] if isinstance(n, Sym) and is_width(n) else None)
            if layer is not None:
                names = letters(layer)
                output |= "n_l" in names
                fixed |= not names
    return output, fixed


def _anchoring(node: Node) -> Iterator[Node]:
    """The nodes that anchor: all but the arguments of J and h and the J of a derivative of J."""
    yield node
    if isinstance(node, Derivative) and isinstance(node.body, Call) and node.body.name == "J":
        yield node.wrt
    elif not (isinstance(node, Call) and node.name in ("h", "J")):
        for child in children(node):
            yield from _anchoring(child)
