"""spec → expressions: the network, its loss, the automatic derivatives, and the hand-derived claims."""

from derive.model.autodiff import Derivatives, differentiate
from derive.model.backprop import SEED_CLAIMS, Claim, replace_claim
from derive.model.engines import ENGINES, Engine, engine
from derive.model.network import Forward, Network
from derive.model.quantity import QUANTITIES, Quantity

__all__ = ["Derivatives", "differentiate", "SEED_CLAIMS", "Claim", "replace_claim", "ENGINES", "Engine", "engine",
           "Forward", "Network", "QUANTITIES", "Quantity"]
