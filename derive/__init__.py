"""derive: the mathematics of a fully connected network in the seed's notation.

spec → expressions in ``derive.model`` (network, loss, automatic derivatives,
the hand-derived claims); text → AST → meaning in ``derive.reader`` and
``derive.meaning``; every elementary function and activation in
``derive.primitives``; how a check runs in ``derive.settings``. Checking lives
in ``checks``, formatting in ``derive.render``.
"""

from derive.errors import ClaimError, DeriveError, ParseError, ReadError, SpecError
from derive.model import SEED_CLAIMS, Claim, Derivatives, Network, Quantity, differentiate, replace_claim
from derive.primitives import ACTIVATIONS, Activation, Function, activation, register
from derive.settings import Settings

__all__ = ["ACTIVATIONS", "Activation", "Function", "activation", "register", "Derivatives", "differentiate",
           "SEED_CLAIMS", "Claim", "Quantity", "replace_claim", "Network", "Settings", "DeriveError", "SpecError",
           "ClaimError", "ReadError", "ParseError", "load_ipython_extension"]


def load_ipython_extension(ipython) -> None:
    """``%load_ext derive``: the ``%%derive`` cell magic, and reports shown as Markdown (derive.jupyter; IPython
    is imported only by IPython itself, never by ``import derive``)."""
    from derive.jupyter import load_ipython_extension as load

    load(ipython)
