"""How long and how much memory a check will take, estimated before it starts, so that a
network too large to finish is refused with figures instead of exhausting the machine.

The model is fitted to `derive bench` on a 2-core machine (symengine engine):
time grows like P^2.7 in the number of parameters P, memory like P^1.6, and
the numeric check holds entries × draws floats per sample and activation.
"""

from __future__ import annotations

from dataclasses import dataclass

from checks.numeric import tested
from checks.symbolic import method_for
from derive.model.network import Network
from derive.settings import Settings

__all__ = ["Estimate", "estimate", "LIMIT_SECONDS", "LIMIT_MB"]

LIMIT_SECONDS = 1800.0  # refuse above half an hour …
LIMIT_MB = 12_000.0  # … or half this machine's memory, unless forced

_REF_P, _REF_S, _REF_MB = 484, 2.0, 250.0  # 8,16,16,4, m = 2: seconds after start-up, peak MB
_SLOWER = {("symengine", "exact"): 3.0, ("sympy", "exact"): 60.0, ("sympy", "probabilistic"): 40.0}


@dataclass(frozen=True)
class Estimate:
    seconds: float
    megabytes: float

    @property
    def too_large(self) -> bool:
        return self.seconds > LIMIT_SECONDS or self.megabytes > LIMIT_MB

    def __str__(self) -> str:
        t = self.seconds
        when = f"{t:.0f} s" if t < 120 else (f"{t / 60:.0f} min" if t < 7200 else f"{t / 3600:.1f} h")
        return f"about {when} and {self.megabytes / 1000:.1f} GB"


def estimate(net: Network, settings: Settings) -> Estimate:
    """A rough, deliberately generous estimate for checking the seed's claims on ``net``."""
    p = net.parameter_count
    factor = _SLOWER.get((net.engine, method_for(settings.method, net)), 1.0) * (net.m / 2) ** 0.5
    numeric_mb = 3 * p * settings.draws * 8 * (net.m + 3) * len(tested(net.activation)) / 1e6
    return Estimate(_REF_S * (p / _REF_P) ** 2.7 * factor, _REF_MB * (p / _REF_P) ** 1.6 + numeric_mb)
