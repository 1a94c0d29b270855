"""The size estimate of checks/budget.py: read from numbers alone (no symbol built), monotone in every factor,
agreeing with the measured runs it was fitted to (after the linear-time checks: depth and samples cost about
linearly), letting through the networks that now finish and refusing what would not; ``--force`` runs anyway.
No test here times a check: the suite must pass on a slow, busy machine."""

from __future__ import annotations

import math
import time
import tracemalloc

import pytest

import checks.report
import derive.checkfiles
from checks.budget import LIMIT_SECONDS, estimate, estimate_file
from checks.derivation import DEFAULT_SIZES
from checks.fit_budget import MEASURED, SEED, predict
from derive.cli import main
from derive.model.network import Network
from derive.settings import Settings

DEEP = (2,) * 16  # 16 layers of width 2: 90 parameters, measured 0.39 s (105 s before the linear-time checks)
LARGE = (40, 80, 80, 10)  # 10,570 parameters: measured 6.1 s and 391 MB (was refused: "about 7 min and 31.8 GB")


def claims(sizes, m=2, activation="generic", **settings) -> float:
    return estimate(Network(sizes, activation, m), Settings(**settings)).seconds


def file(sizes=(), m=2, activation="generic", **settings) -> float:
    nets = tuple(Network(s, activation, m) for s in ((sizes,) if sizes else DEFAULT_SIZES))
    return estimate_file(nets, Settings(**settings)).seconds


def old_model(sizes, m=2) -> float:
    """The first estimate: parameters only, 2 s at 484 parameters, growing like P^2.7."""
    net = Network(sizes, m=m)
    return 2.0 * (net.parameter_count / 484) ** 2.7 * (m / 2) ** 0.5


def a_few_seconds(seconds_of) -> bool:
    """16 layers of width 2 (measured 0.39 s) and ``--samples 200`` on 2,3,3,2 (1.8 s) are called neither free nor
    minutes long, and twice the depth or the samples costs more, but not 7 or 20 times as much."""
    deep, samples = seconds_of(DEEP), seconds_of((2, 3, 3, 2), m=200)
    deeper, more = seconds_of((2,) * 32) / deep, seconds_of((2, 3, 3, 2), m=400) / samples
    return 0.3 <= deep <= 5 and 0.6 <= samples <= 6 and 1 < deeper <= 3 and 1 < more <= 3


# ---------------------------------------------------------------- what the linear-time checks changed


def test_depth_and_samples_cost_seconds_and_grow_about_linearly():
    assert a_few_seconds(claims)


def test_the_parameters_only_model_fails_the_depth_and_samples_test():  # the twin: the old model fails the above
    assert not a_few_seconds(old_model)
    assert a_few_seconds(claims)


def test_forty_eighty_eighty_ten_is_no_longer_refused(monkeypatch):  # measured 6.1 s and 391 MB
    guess = estimate(Network(LARGE), Settings())
    assert not guess.too_large and 2 <= guess.seconds <= 20 and guess.megabytes <= 1200, guess
    monkeypatch.setattr(checks.report, "run", _reached)
    with pytest.raises(_Reached):  # nothing refused it: the check itself was reached, without --force
        main(["check", "--quiet", "--sizes", ",".join(map(str, LARGE))])


def test_a_forced_exact_expansion_of_a_deep_network_is_not_cheap():  # its terms grow like the paths: 64 s
    assert claims(DEEP, method="exact") >= 30 and claims(DEEP, method="exact") >= 50 * claims(DEEP)


def test_what_would_not_finish_is_still_refused():
    assert estimate(Network((400, 800, 800, 100)), Settings()).too_large  # 100 times the parameters of LARGE


def test_file_checks_with_many_samples_a_wide_layer_or_depth_are_not_cheap():
    assert file(m=100_000) > LIMIT_SECONDS
    assert file((2, 200, 2)) >= 30  # measured 90 s
    assert file((8, 16, 16, 4)) >= 10 * claims((8, 16, 16, 4))  # a file costs more than the claims: 15 s, 0.6 s
    assert file((3,) * 12) >= 200 and file((3,) * 16) > LIMIT_SECONDS  # its entries grow like the paths


# ---------------------------------------------------------------- numbers only


def test_estimating_ten_million_units_builds_no_symbol():
    net = Network((2, 10**7, 2))
    tracemalloc.start()
    try:
        guess = estimate(net, Settings())
        also = estimate_file((net,), Settings(draws=10_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert guess.too_large and also.too_large
    assert peak < 200_000, peak  # bytes: no W, b, x or forward pass (those would be gigabytes)
    assert not {"W", "b", "parameters", "_worlds"} & set(vars(net))


def test_absurd_sizes_give_a_finite_refusal_not_an_overflow():
    guess = estimate(Network((1000,) * 200), Settings())
    assert guess.too_large and math.isfinite(guess.seconds) and math.isfinite(guess.megabytes)
    assert "days" in str(guess) and "TB" in str(guess)


# ---------------------------------------------------------------- monotone in every factor


@pytest.mark.parametrize("of", [claims, file], ids=["claims", "file"])
@pytest.mark.parametrize(("small", "large"), [
    ({"sizes": (2, 3, 2)}, {"sizes": (2, 30, 2)}),  # width
    ({"sizes": (8, 16, 16, 4)}, {"sizes": (16, 32, 32, 8)}),  # width
    ({"sizes": (2,) * 12}, {"sizes": (2,) * 16}),  # depth (2×8 is exact under auto, and measured slower than 2×12)
    ({"sizes": (3,) * 8, "method": "probabilistic"}, {"sizes": (3,) * 12, "method": "probabilistic"}),  # depth
    ({"sizes": (2, 3, 3, 2), "m": 2}, {"sizes": (2, 3, 3, 2), "m": 10}),  # samples
    ({"sizes": (8, 16, 16, 4), "draws": 64}, {"sizes": (8, 16, 16, 4), "draws": 1000}),  # draws
    ({"sizes": (8, 16, 16, 4), "activation": "tanh"}, {"sizes": (8, 16, 16, 4)}),  # 1 activation tested, then 4
    ({"sizes": (6, 10, 10, 3), "method": "probabilistic"}, {"sizes": (6, 10, 10, 3), "method": "exact"}),
])
def test_the_estimate_grows_with_each_factor(of, small, large):
    assert of(**small) < of(**large)


def test_memory_grows_with_draws_and_samples():
    net = Network((8, 16, 16, 4))
    assert estimate(net, Settings()).megabytes < estimate(net, Settings(draws=10_000)).megabytes
    assert estimate(net, Settings()).megabytes < estimate(Network((8, 16, 16, 4), m=10), Settings()).megabytes


def test_several_files_take_longer_and_several_jobs_more_memory():
    nets, s = tuple(Network(x) for x in DEFAULT_SIZES), Settings()
    one, four, two_jobs = estimate_file(nets, s), estimate_file(nets, s, 4), estimate_file(nets, s, 4, 2)
    assert one.seconds < two_jobs.seconds < four.seconds
    assert two_jobs.megabytes == 2 * one.megabytes


# ---------------------------------------------------------------- agreeing with the measured runs


@pytest.mark.parametrize(("run", "seconds", "mb"), MEASURED, ids=[r.label() for r, _, _ in MEASURED])
def test_the_estimate_is_within_a_few_times_of_every_measured_run(run, seconds, mb):
    """The table of checks/fit_budget.py against the constants of checks/budget.py (no run is timed here)."""
    guess_s, guess_mb = predict(run)
    if seconds < 0:  # stopped at −seconds: the estimate must not call it quick
        assert guess_s >= -seconds / 2
    elif run.file and run.file != SEED:  # a shorter file than the seed's: the estimate may be generous
        assert seconds / guess_s <= 3 and mb / guess_mb <= 3
    else:
        assert 0.3 <= seconds / guess_s <= 3, (seconds, guess_s)
        assert 0.3 <= mb / guess_mb <= 3, (mb, guess_mb)


# ---------------------------------------------------------------- refusing, and --force


class _Reached(Exception):
    """The check itself was reached: nothing refused the run."""


def _reached(*args, **kwargs):
    raise _Reached


def test_force_runs_what_is_refused(monkeypatch):
    monkeypatch.setattr(checks.report, "run", _reached)
    assert main(["check", "--quiet", "--sizes", "2,3000000,2"]) == 2  # refused: run is never called
    with pytest.raises(_Reached):
        main(["check", "--quiet", "--sizes", "2,3000000,2", "--force"])


def test_force_checks_a_file_that_is_refused(monkeypatch, seed_path):
    monkeypatch.setattr(derive.checkfiles, "_check_one", _reached)
    assert main(["check", "--quiet", "--samples", "100000", str(seed_path)]) == 2
    with pytest.raises(_Reached):
        main(["check", "--quiet", "--samples", "100000", "--force", str(seed_path)])


def test_a_huge_network_is_refused_at_once(run_cli, seed_path):
    for args in (["--sizes", "2,3000000,2"], ["--sizes", "2,3000000,2", str(seed_path)]):
        start = time.perf_counter()
        out = run_cli("check", *args)
        took = time.perf_counter() - start
        print(f"refused {' '.join(args)} in {took:.2f} s")
        assert out.returncode == 2 and out.stdout == ""
        (line,) = out.stderr.strip().splitlines()
        assert "15,000,002 parameters" in line and "--force" in line
        assert took < 10  # with start-up; about half a second on an idle machine
