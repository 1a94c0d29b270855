"""derive: the mathematics of a fully connected network in the seed's notation.

The network and its loss, the automatic derivatives, and the hand-derived
claims. Checking lives in ``checks``; formatting in ``derive.render``.
"""

from derive.activations import ACTIVATIONS, Activation, activation
from derive.autodiff import Derivatives, differentiate
from derive.backprop import SEED_CLAIMS, Claim, replace_claim
from derive.errors import ClaimError, DeriveError, ParseError, ReadError, SpecError
from derive.network import Network

__all__ = ["ACTIVATIONS", "Activation", "activation", "Derivatives", "differentiate", "SEED_CLAIMS", "Claim",
           "replace_claim", "Network", "DeriveError", "SpecError", "ClaimError", "ReadError", "ParseError"]
