"""The loss of one sample (the network's, from derive.model.losses; the seed's is squared) and the
L2-regularised loss over m samples (biases not regularised)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from derive.primitives import total

if TYPE_CHECKING:
    from derive.model.network import Forward, Network

__all__ = ["sample_loss", "full_loss"]


def sample_loss(net: Network, fw: Forward, y: dict) -> Any:
    """J(W,b;x,y), e.g. ½‖h_{W,b}(x) − y‖², with h_{W,b}(x) = a^{n_l} of the forward pass ``fw``."""
    h = fw.a[net.n_l]
    return net.loss.value([h[i] for i in net.units(net.n_l)], [y[i] for i in net.units(net.n_l)], net.eng.ops)


def full_loss(net: Network) -> Any:
    """J(W,b) = (1/m) Σ_k J(W,b;x^(k),y^(k)) + (λ/2) Σ_l Σ_i Σ_j (W^l_ji)²."""
    data = total(sample_loss(net, net.world(k), net.y(k)) for k in net.samples)
    decay = total(w**2 for l in range(1, net.n_l) for w in net.W[l].values())
    return data / net.m + net.lam_symbol / 2 * decay
