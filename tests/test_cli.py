"""The command line, driven as a user drives it: ``python -m derive ...`` in a subprocess.

Exit codes (derive/cli.py): 0 every claim passed, 1 a claim failed, 2 bad usage
or bad input. The seed's own claims cannot be planted wrong from the command
line, so exit 1 for a failing claim is tested here through ``derive.cli.main``,
the same code, with ``checks.report.run`` wrapped to check a mutated claim (a
wrong derivation *file* gives exit 1 from the command line itself: see
test_read_derivation.py and test_scale.py).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

import checks.report
from checks.report import PHASES
from derive.cli import main
from derive.model.backprop import SEED_CLAIMS, replace_claim

IDS = ["delta_output", "delta_hidden", "grad_W_sample", "grad_b_sample", "grad_W", "grad_b"]


def entries_for(sizes: tuple[int, ...]) -> dict[str, int]:
    """How many entries each seed claim covers on a network of these widths (1-based, seed notation)."""
    weights = sum(sizes[l] * sizes[l - 1] for l in range(1, len(sizes)))
    biases = sum(sizes[1:])
    return {"delta_output": sizes[-1], "delta_hidden": sum(sizes[1:-1]), "grad_W_sample": weights,
            "grad_b_sample": biases, "grad_W": weights, "grad_b": biases}


# ---------------------------------------------------------------- passing runs


def test_check_default_exits_0_and_prints_a_pass_line_for_every_claim(run_cli):
    out = run_cli("check")
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    for claim_id in IDS:
        assert re.search(rf"^ {claim_id}\s+proved\s+\d+\s+\S+\s+✓ pass", out.stdout, re.M), claim_id
    assert "✗" not in out.stdout
    assert "network   2,3,3,2 (n_l = 4, 29 parameters) · f generic · m = 2 · λ symbolic" in out.stdout
    assert "numeric   64 draws · seed 0 · rtol 1e-09" in out.stdout
    assert out.stdout.rstrip().splitlines()[-1] == (
        "PASS  6 of 6 claims passed: proved exactly and within rtol 1e-09 numerically")


def test_console_script_runs_check_and_exits_0(run_cli):
    script = shutil.which("derive")
    if script is None:
        pytest.skip("the derive console script is not on PATH")
    out = run_cli("check", "--json", "--sizes", "2,3,2", "--draws", "8", program=script)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["passed"] is True
    assert doc["network"]["sizes"] == [2, 3, 2]


def test_the_process_entry_exits_with_mains_code_after_freezing_what_the_run_built():
    """derive.cli.run (the script, ``python -m derive``) spares the interpreter's collections at exit by freezing
    the run's objects first; the output stays whole and the exit code is main's."""
    probe = ("import atexit, gc, sys; atexit.register(lambda: print('frozen', gc.get_freeze_count() > 1000)); "
             "from derive.cli import run; sys.argv[0] = 'derive'; run()")
    for args, code in ((["check", "--json", "--sizes", "2,2", "--draws", "4"], 0), (["check", "--sizes", "1"], 2)):
        out = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=300)
        *printed, last = out.stdout.splitlines()
        assert (out.returncode, last) == (code, "frozen True"), out.stderr
        assert json.loads("\n".join(printed))["passed"] if code == 0 else out.stderr.startswith("derive: error:")


@pytest.fixture(scope="module")
def default_json(run_cli) -> dict:
    out = run_cli("check", "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)  # one JSON document, nothing else on stdout


def test_json_document_has_the_documented_top_level_keys(default_json):
    doc = default_json
    assert {"passed", "network", "seed", "tolerance", "claims"} <= doc.keys()
    assert doc["passed"] is True
    assert doc["network"] == {**doc["network"], "sizes": [2, 3, 3, 2], "activation": "generic", "samples": 2,
                              "lambda": "symbolic"}
    assert doc["seed"] == 0
    assert doc["tolerance"] == 1e-9
    assert "timings" not in doc  # only with --timings


def test_json_lists_the_six_seed_claims_in_order_each_proved_and_within_tolerance(default_json):
    claims = default_json["claims"]
    assert [c["id"] for c in claims] == IDS
    expected = entries_for((2, 3, 3, 2))
    by_id = {c.id: c for c in SEED_CLAIMS}
    for c in claims:
        assert {"id", "latex", "passed", "symbolic", "numeric"} <= c.keys()
        assert c["latex"] == by_id[c["id"]].latex
        assert c["passed"] is True
        assert c["symbolic"]["status"] == "proved"
        assert c["symbolic"]["entries"] == expected[c["id"]]
        assert "first_failing_entry" not in c["symbolic"]
        num = c["numeric"]
        assert {"status", "max_abs_error", "max_rel_error", "worst", "draws"} <= num.keys()
        assert num["status"] == "passed"
        assert num["draws"] == 64
        assert 0 <= num["max_rel_error"] < 1e-9
        assert 0 <= num["max_abs_error"] < 1e-6
        assert {"entry", "draw", "activation", "automatic", "hand"} <= num["worst"].keys()


def test_json_reflects_every_network_and_check_option(run_cli):
    out = run_cli("check", "--json", "--sizes", "2,3,2", "--activation", "tanh", "--samples", "3", "--no-l2",
                 "--draws", "16", "--seed", "7", "--rtol", "1e-8")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    net = doc["network"]
    assert (net["sizes"], net["activation"], net["samples"], net["lambda"]) == ([2, 3, 2], "tanh", 3, "0")
    assert doc["seed"] == 7
    assert doc["tolerance"] == 1e-8
    assert doc["numeric_activations"] == ["tanh"]
    expected = entries_for((2, 3, 2))
    for c in doc["claims"]:
        assert c["symbolic"]["entries"] == expected[c["id"]]
        assert c["numeric"]["draws"] == 16
        worst = c["numeric"]["worst"]
        assert worst["activation"] == "tanh"  # every claim has entries on 2,3,2, so a worst case
        assert 0 <= worst["draw"] < 16


def test_json_states_a_fixed_lambda_as_an_exact_fraction(run_cli):
    out = run_cli("check", "--json", "--sizes", "2,2", "--lambda", "0.25", "--draws", "4")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["network"]["lambda"] == "1/4"


def test_same_seed_gives_the_same_json_and_another_seed_other_draws(run_cli):
    args = ("check", "--json", "--sizes", "2,2", "--draws", "4", "--activation", "sigmoid")
    first, again, other = run_cli.many([(*args, "--seed", "3"), (*args, "--seed", "3"), (*args, "--seed", "4")])
    assert first.returncode == again.returncode == other.returncode == 0, (first.stderr, again.stderr, other.stderr)
    assert first.stdout == again.stdout
    worst = lambda out: [c["numeric"]["worst"] for c in json.loads(out.stdout)["claims"]]
    assert json.loads(other.stdout)["seed"] == 4
    assert worst(first) != worst(other)


def test_timings_prints_the_five_phases_with_seconds(run_cli):
    out = run_cli("check", "--timings", "--sizes", "2,2", "--draws", "4")
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())  # rich wraps the line at 80 columns
    line = text[text.index("timings "):]
    for phase in PHASES:
        assert re.search(rf"{re.escape(phase)} \d+\.\d{{3}} s", line), phase
    assert [line.index(p) for p in PHASES] == sorted(line.index(p) for p in PHASES)


def test_no_timings_line_without_the_option(run_cli):
    out = run_cli("check", "--sizes", "2,2", "--draws", "4")
    assert out.returncode == 0, out.stderr
    assert "timings" not in out.stdout


def test_json_with_timings_has_one_number_per_phase(run_cli):
    out = run_cli("check", "--json", "--timings", "--sizes", "2,2", "--draws", "4")
    assert out.returncode == 0, out.stderr
    timings = json.loads(out.stdout)["timings"]
    assert set(timings) == set(PHASES)
    assert all(isinstance(t, (int, float)) and t >= 0 for t in timings.values())


# ---------------------------------------------------------------- bad input: exit 2, one line


BAD_INPUTS = {  # name: (arguments, what the one error line must name)
    "one layer": (["check", "--sizes", "3"], "two layers"),
    "width 0": (["check", "--sizes", "2,0,2"], "width 0"),
    "negative width": (["check", "--sizes", "2,-1,2"], "width -1"),
    "non-numeric sizes": (["check", "--sizes", "2,x,2"], "--sizes"),
    "unknown activation": (["check", "--activation", "gelu"], "gelu"),
    "negative draws": (["check", "--draws", "-5"], "--draws"),
    "zero draws": (["check", "--draws", "0"], "--draws"),
    "non-integer draws": (["check", "--draws", "1.5"], "--draws"),
    "zero samples": (["check", "--samples", "0"], "samples"),
    "negative rtol": (["check", "--rtol", "-0.5"], "tolerance"),
    "negative rtol in exponent form": (["check", "--rtol=-1e-9"], "tolerance"),
    "unknown engine": (["check", "--engine", "maple"], "maple"),
    "unknown option": (["check", "--frobnicate"], "--frobnicate"),
    "no command": ([], "command"),
    "lambda and no-l2": (["check", "--lambda", "0.1", "--no-l2"], "--no-l2"),
    "export without a target": (["export"], "--latex"),
    "export into a missing folder": (["export", "--latex", "{tmp}/no/such/folder/out.tex"], "does not exist"),
    "export onto a directory": (["export", "--markdown", "{tmp}"], "directory"),
    "export markdown into a missing folder": (["export", "--latex", "{tmp}/ok.tex", "--markdown",
                                               "{tmp}/missing/out.md"], "missing/out.md"),
    "negative seed": (["check", "--sizes", "2,2", "--seed", "-1"], "--seed"),
    "NaN lambda": (["check", "--sizes", "2,2", "--lambda", "nan"], "--lambda"),
    "infinite lambda": (["check", "--sizes", "2,2", "--lambda", "inf"], "--lambda"),
}


@pytest.fixture(scope="module")
def bad_runs(run_cli, tmp_path_factory) -> dict:
    """Every bad input, run concurrently (each is a fresh interpreter, in a folder of its own):
    name -> (CompletedProcess, that folder)."""
    folders = [tmp_path_factory.mktemp("bad") for _ in BAD_INPUTS]
    commands = [tuple(a.replace("{tmp}", str(tmp)) for a in args)
                for (args, _), tmp in zip(BAD_INPUTS.values(), folders)]
    runs = run_cli.many(commands, cwd=folders)
    return {name: (out, tmp) for name, out, tmp in zip(BAD_INPUTS, runs, folders)}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_exits_2_with_one_error_line_naming_the_problem(bad_runs, name):
    out, _ = bad_runs[name]
    expected = BAD_INPUTS[name][1]
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("derive: error: ")
    assert expected in lines[0]
    assert out.stdout == ""


@pytest.mark.parametrize("name", [n for n in BAD_INPUTS if n.startswith("export")])
def test_refused_export_writes_no_file(bad_runs, name):
    _, tmp = bad_runs[name]
    written = [p for p in tmp.rglob("*") if p.is_file()]
    assert written == []


# ---------------------------------------------------------------- a failing derivation: exit 1


def _sign_flipped_output_residual(v, l, i, j):
    return (v.y[i] - v.a[l][i]) * v.fprime(v.z[l][i])  # the seed's formula without its minus sign


@pytest.fixture
def planted_wrong_claim(monkeypatch, plain_console_env):
    """Make every report the CLI builds check δ^{n_l} with its sign flipped.

    ``checks.report.run`` binds SEED_CLAIMS as a default argument at import time,
    so the claims are passed explicitly; the CLI imports ``run`` at call time.
    """
    claims = replace_claim(SEED_CLAIMS, "delta_output", _sign_flipped_output_residual,
                           r"\left(y_i - a^{n_l}_i\right) f'\!\left(z^{n_l}_i\right)")
    real_run = checks.report.run

    def run_with_wrong_claim(net, *_, **options):
        return real_run(net, claims, **options)

    monkeypatch.setattr(checks.report, "run", run_with_wrong_claim)
    return claims


def test_failing_claim_exits_1_and_report_names_the_claim_and_first_entry(planted_wrong_claim, capsys):
    code = main(["check", "--sizes", "2,3,2", "--draws", "8"])
    out = capsys.readouterr()
    assert code == 1
    assert out.err == ""
    assert re.search(r"^ delta_output\s+refuted\s+2\s+2\.0e\+00\s+✗ FAIL", out.out, re.M)
    for claim_id in IDS[1:]:
        assert re.search(rf"^ {claim_id}\s+proved\s+\d+\s+\S+\s+✓ pass", out.out, re.M), claim_id
    assert "✗ delta_output: symbolic refuted, numeric failed" in out.out
    assert "first failing entry δ^3_1 (layer 3, unit 1)" in out.out
    assert "numeric: max rel error 2 > 1e-09 at δ^3_" in out.out
    assert out.out.rstrip().splitlines()[-1] == "FAIL  5 of 6 claims passed"


def test_failing_claim_json_gives_exit_1_and_the_first_failing_entry(planted_wrong_claim, capsys):
    code = main(["check", "--json", "--sizes", "2,3,2", "--draws", "8"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    assert doc["passed"] is False
    claims = {c["id"]: c for c in doc["claims"]}
    bad = claims["delta_output"]
    assert bad["passed"] is False
    assert bad["latex"] == planted_wrong_claim[0].latex
    assert bad["symbolic"]["status"] == "refuted"
    first = bad["symbolic"]["first_failing_entry"]
    assert (first["entry"], first["layer"], first["i"], first["j"]) == ("δ^3_1", 3, 1, None)
    assert first["difference"] and first["witness"]
    assert float(first["automatic"]) == pytest.approx(-float(first["hand"]))  # a pure sign flip
    assert bad["numeric"]["status"] == "failed"
    assert bad["numeric"]["max_rel_error"] == pytest.approx(2.0)
    assert bad["numeric"]["worst"]["entry"].startswith("δ^3_")
    assert all(claims[i]["passed"] for i in IDS[1:])


def test_export_of_a_failing_derivation_exits_1_but_still_writes(planted_wrong_claim, capsys, tmp_path):
    tex, md = tmp_path / "out.tex", tmp_path / "out.md"
    code = main(["export", "--sizes", "2,3,2", "--draws", "8", "--latex", str(tex), "--markdown", str(md)])
    out = capsys.readouterr().out
    assert code == 1
    assert out.splitlines() == [f"wrote {tex} (5 of 6 claims verified)", f"wrote {md} (5 of 6 claims verified)"]
    assert "not verified" in tex.read_text(encoding="utf-8")
    assert "not verified" in md.read_text(encoding="utf-8")


def test_a_colon_name_in_a_path_is_printed_as_written_not_as_an_emoji(seed_path, tmp_path, capsys, monkeypatch,
                                                                      plain_console_env):
    """rich would print ``:warning:`` as ⚠ (derive.render.console turns that off): the summary of two files
    must quote each path as the user gave it."""
    monkeypatch.setenv("COLUMNS", "300")
    paths = [tmp_path / "notes:warning:.md", tmp_path / "seed.md"]
    for path in paths:
        path.write_text(seed_path.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["check", *map(str, paths)]) == 0
    out = capsys.readouterr().out
    assert "notes:warning:.md" in out and "⚠" not in out  # its summary row
