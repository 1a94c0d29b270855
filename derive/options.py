"""The command line's network and check options as derive's objects: settings, networks, and the refusal, before
any symbol is built, of a run estimated too large."""

from __future__ import annotations

from typing import TYPE_CHECKING

from derive.errors import SpecError

if TYPE_CHECKING:
    from derive.settings import Settings

__all__ = ["settings_of", "spec_of", "networks", "refuse_if_too_large"]


def settings_of(args) -> Settings:
    """The check's settings (draws, seed, rtol, method, what an unchecked or empty file means), validated once."""
    from derive.settings import Settings

    return Settings(draws=args.draws, seed=args.seed, rtol=args.rtol, method=args.method,
                    allow_unchecked=getattr(args, "allow_unchecked", False),
                    allow_empty=getattr(args, "allow_empty", False))


def spec_of(args) -> dict:
    """The network options, as names (an activation holds functions, which worker processes cannot receive)."""
    if args.no_l2 and args.lam is not None:
        raise SpecError("--no-l2 and --lambda contradict each other")
    loss = "categorical" if (args.loss, args.output) == ("cross-entropy", "softmax") else args.loss
    return {"sizes": args.sizes, "activation": args.activation, "m": args.samples,
            "lam": 0 if args.no_l2 else args.lam, "engine": args.engine, "loss": loss, "output": args.output}


def networks(spec: dict, default: tuple) -> tuple:
    """The test networks: one of the given sizes, or one for each sizes of ``default``."""
    from derive.model.network import Network

    fields = {k: v for k, v in spec.items() if k != "sizes" and v is not None}  # activation, m, lam, engine, …
    return tuple(Network(sizes, **fields) for sizes in ((spec["sizes"],) if spec["sizes"] else default))


def refuse_if_too_large(nets: tuple, settings: Settings, force: bool, files: int = 0, jobs: int = 1) -> None:
    """Refuse, before any symbol is built, a run estimated too long or too large: the seed's claims on ``nets[0]``,
    or (``files`` > 0) that many files, ``jobs`` at a time, each on every network of ``nets``."""
    from checks.budget import estimate, estimate_file

    guess = estimate_file(nets, settings, files, jobs) if files else estimate(nets[0], settings)
    if guess.too_large and not force:
        what = f"checking {files} file{'s' * (files > 1)} on " if files else ""
        raise SpecError(f"{what}sizes {' and '.join(','.join(map(str, n.sizes)) for n in nets)} "
                        f"({sum(n.parameter_count for n in nets):,} parameters) would take {guess} by derive's "
                        "estimate; use --force to run anyway")
