"""`derive check FILE...`: a derivation read as written, every equation and every step of every chain.

Every test runs the real command line in a subprocess (``run_cli``), on a wide
terminal so that rich never wraps a FILE:LINE reference. The slow runs (the
seed, the planted errors) are done once per module and shared; independent runs
go in parallel (``run_cli.many``, one per CPU), so a 2-core machine is kept busy
but not flooded.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest

WIDTH = 200  # columns: a wide terminal, so that rich never wraps a FILE:LINE reference

# The display rows of the seed, by the line where each starts (count them in the seed):
# Rows that define the model (the losses at 12 and 27, the forward pass at 18-19, δ at 46 and 61) are
# listed as definitions: checked against the model they set, never counted as passed.
DEFINITIONS = [12, 18, 19, 27, 46, 61]
# line 12 (one-sample loss), 18-19 (forward pass), 27 and 29 (the regularised loss, an align*
# chain: the row at 27 runs on to 28, the row at 29 to 31), 38-39 (full gradients), 46-51 (the
# δ^{n_l} chain), 61-72 (the δ^{n_l-1} chain; line 62 holds two rows, 63/64 and 65/66 are one
# row each), 82-83 (per-sample gradients). The trailing `\\` on line 83 opens no row.
DELTA_OUT_CHAIN = [46, 47, 48, 49, 50, 51]
DELTA_HIDDEN_CHAIN = [61, 62, 62, 63, 65, 67, 68, 69, 70, 71, 72]
SEED_ROWS = [12, 18, 19, 27, 29, 38, 39, *DELTA_OUT_CHAIN, *DELTA_HIDDEN_CHAIN, 82, 83]
CHAINS = {27: [27, 29], 46: DELTA_OUT_CHAIN, 61: DELTA_HIDDEN_CHAIN}  # first line -> its rows

OUTPUT_RESIDUAL = r"\delta_i^{n_l} = -(y_i - a_i^{n_l}) f'(z_i^{n_l})"
OUTPUT_RESIDUAL_WRONG = r"\delta_i^{n_l} = (y_i - a_i^{n_l}) f'(z_i^{n_l})"

# (name, line edited, old text, new text, line where the failure must be reported)
PLANTED = [
    ("sign_flip_output_residual", 51, "= -(y_i -a_i^{n_l})", "= (y_i -a_i^{n_l})", 51),
    ("W_ij_for_W_ji_in_recurrence", 72, "W_{ji}^{n_l-1}", "W_{ij}^{n_l-1}", 72),
    ("missing_fprime_in_recurrence", 72, "f'(z_i^{n_l-1})", "", 72),
    ("fprime_of_a_for_fprime_of_z", 51, "f'(z_i^{n_l})", "f'(a_i^{n_l})", 51),
    ("a_i_for_a_j_in_dW", 82, "a_j^l", "a_i^l", 82),
    ("delta_l_for_delta_l_plus_1_in_dW", 82, "\\delta_i^{l+1}", "\\delta_i^{l}", 82),
    ("missing_lambda_W", 38, "+ \\lambda W_{ij}^l", "", 38),
    ("lambda_over_m_for_lambda", 38, "\\lambda W_{ij}^l", "\\frac{\\lambda}{m} W_{ij}^l", 38),
    ("regularised_bias", 39, "J(W,b; x^i, y^i)", "J(W,b; x^i, y^i) + \\lambda b_i^l", 39),
    ("missing_one_over_m", 39, "=\\frac{1}{m}", "=", 39),
    ("lambda_for_lambda_half_in_loss", 28, "\\frac{\\lambda}{2}", "\\lambda", 27),
    ("wrong_step_in_output_residual_chain", 50, "=-(y_i-f(z_i^{n_l}))f", "=(y_i-f(z_i^{n_l}))f", 50),
    ("wrong_step_in_hidden_residual_chain", 68, "f'(z_j^{n_l})", "f'(z_i^{n_l})", 68),
]


@pytest.fixture(scope="session")
def derive(run_cli):
    """``derive(*args, cwd=)``: the command line on a WIDTH-column terminal."""
    return lambda *args, cwd=None: run_cli(*args, cwd=cwd, width=WIDTH)


@pytest.fixture(scope="session")
def derive_many(run_cli):
    """``derive_many([args, ...], cwd=)``: independent commands on a WIDTH-column terminal, run concurrently."""
    return lambda commands, cwd=None: run_cli.many(commands, cwd=cwd, width=WIDTH)


def json_lines(proc: subprocess.CompletedProcess) -> list[dict]:
    """One JSON document per non-empty stdout line (the --json contract for files)."""
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def one_doc(proc: subprocess.CompletedProcess) -> dict:
    (doc,) = json_lines(proc)
    return doc


def line_of(entry: dict) -> int:
    return int(entry["source"].rsplit(":", 1)[1])


def planted(text: str, line: int, old: str, new: str) -> str:
    lines = text.splitlines(keepends=True)
    assert lines[line - 1].count(old) == 1, f"line {line} of the seed does not hold {old!r} exactly once"
    lines[line - 1] = lines[line - 1].replace(old, new)
    return "".join(lines)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def display(*equations: str) -> str:
    return "".join(f"Some prose.\n$$\n{eq}\n$$\n" for eq in equations)


# ---------------------------------------------------------------- the seed as written


@pytest.fixture(scope="module")
def seed_runs(derive_many, seed_path):
    """The seed, checked once as JSON and once for the terminal, in parallel."""
    as_json, terminal = derive_many([("check", "--json", seed_path), ("check", seed_path)])
    return as_json, terminal


def test_seed_as_written_passes(seed_runs, seed_path):
    as_json, terminal = seed_runs
    assert as_json.returncode == 0, as_json.stdout + as_json.stderr
    assert terminal.returncode == 0, terminal.stdout + terminal.stderr
    doc = one_doc(as_json)
    assert doc["passed"] is True
    assert doc["file"] == str(seed_path)
    assert doc["network"]["sizes"] == [[2, 3, 2], [2, 3, 3, 2]]
    assert doc["claims"]
    for entry in doc["claims"]:
        assert entry["source"] == f"{seed_path}:{line_of(entry)}"
        defines = line_of(entry) in DEFINITIONS and entry["reason"].startswith("defines")
        assert entry["status"] == ("definition" if defines else "passed"), entry
        assert entry["passed"] is (None if defines else True), entry
    assert "the loss from line 12" in doc["model"] and "the forward pass from line 18" in doc["model"]
    assert "PASS" in terminal.stdout and "FAIL" not in terminal.stdout


def test_seed_every_display_row_has_a_passed_entry(seed_runs, seed_text):
    lines = seed_text.splitlines()
    assert all("=" in lines[n - 1] for n in SEED_ROWS)  # the list above points at equations
    doc = one_doc(seed_runs[0])
    found = Counter(line_of(e) for e in doc["claims"] if e["passed"] or e["status"] == "definition")
    missing = Counter(SEED_ROWS) - found
    assert not missing, f"display rows with no passed entry: {dict(missing)}"
    assert len(doc["claims"]) >= len(SEED_ROWS) == 26


@pytest.mark.parametrize("chain", [DELTA_OUT_CHAIN, DELTA_HIDDEN_CHAIN], ids=["delta_n_l", "delta_n_l_minus_1"])
def test_seed_residual_chains_are_checked_step_by_step(seed_runs, chain):
    doc = one_doc(seed_runs[0])
    steps = [e for e in doc["claims"] if chain[0] <= line_of(e) <= chain[-1]]
    assert Counter(map(line_of, steps)) == Counter(chain)
    assert all(e["status"] in ("passed", "definition") and e["symbolic"]["status"] == "proved" for e in steps)
    assert [line_of(e) for e in steps if e["status"] == "definition"] == chain[:1]  # δ is defined, then derived
    assert all(e["symbolic"]["entries"] > 0 and e["numeric"]["status"] == "passed" for e in steps)


def test_seed_remarks_on_index_i_and_dropped_bias(seed_runs):
    as_json, terminal = seed_runs
    doc = one_doc(as_json)
    remarks = {}
    for e in doc["claims"]:
        remarks.setdefault(line_of(e), []).extend(e.get("remarks", []))
    for line in (38, 39):  # i is both the sample index (sum to m) and the unit index
        assert any("index i" in r and "sample" in r for r in remarks[line]), remarks[line]
    assert any("bias" in r for r in remarks[70]), remarks[70]
    assert set(line for line, rs in remarks.items() if rs) == {38, 39, 70}
    assert all(e["passed"] for e in doc["claims"] if e.get("remarks"))  # remarks, not failures
    out = terminal.stdout
    assert "remarks (notation, not failures)" in out
    for line in (38, 39, 70):
        assert f"line {line}:" in out


# ---------------------------------------------------------------- planted errors


@pytest.fixture(scope="module")
def planted_runs(derive_many, seed_text, tmp_path_factory):
    """Each planted seed checked alone with --json (default networks), and all of them in one call for
    the terminal report, whose job here is only to name the line (on the smaller 2,3,2 network, to
    save time). The long single call starts first, so the --json runs go alongside it."""
    text = seed_text
    folder = tmp_path_factory.mktemp("planted")
    names = []
    for name, line, old, new, _ in PLANTED:
        write(folder, f"{name}.txt", planted(text, line, old, new))
        names.append(f"{name}.txt")
    terminal, *procs = derive_many([("check", "--sizes", "2,3,2", *names)] + [("check", "--json", n) for n in names],
                                   cwd=folder)
    return dict(zip(names, procs)), terminal


@pytest.mark.slow
@pytest.mark.parametrize("name, line, old, new, reported", PLANTED, ids=[p[0] for p in PLANTED])
def test_planted_error_fails_at_its_line(planted_runs, name, line, old, new, reported):
    runs, terminal = planted_runs
    proc = runs[f"{name}.txt"]
    assert proc.returncode == 1, proc.stdout + proc.stderr
    doc = one_doc(proc)
    assert doc["passed"] is False
    claims = doc["claims"]
    first = next(k for k, e in enumerate(claims) if e["status"] == "failed")
    assert claims[first]["source"] == f"{name}.txt:{reported}"
    assert claims[first]["passed"] is False
    assert all(e["passed"] or e["status"] == "definition" for e in claims[:first])  # all before it, its chain too
    chain = next((rows for rows in CHAINS.values() if reported in rows), [reported])
    failed = [line_of(e) for e in claims if e["status"] not in ("passed", "definition")]
    assert all(n in chain and n >= reported for n in failed), f"failures spill outside the chain: {failed}"
    # the terminal report names the file and line as the first wrong step, and says FAIL
    assert f"✗ {name}.txt:{reported} (first wrong step" in terminal.stdout, terminal.stdout
    assert f"FAIL  {name}.txt:" in terminal.stdout


@pytest.mark.slow
def test_planted_errors_in_one_call_exit_1_with_one_report_each(planted_runs):
    runs, terminal = planted_runs
    assert terminal.returncode == 1, terminal.stderr
    # several files: each failing file's failures and FAIL line, then one summary row per file
    failing = [line.split()[1].rstrip(":") for line in terminal.stdout.splitlines() if line.startswith("FAIL  ")]
    assert failing == [*runs, "total"]
    assert "summary" in terminal.stdout and f"FAIL  total: {len(runs)} files, 0 passed" in terminal.stdout


# ---------------------------------------------------------------- a claim true for one activation only


SIGMOID_FORM = r"\delta_i^{n_l} = -(y_i - a_i^{n_l})\, a_i^{n_l}(1 - a_i^{n_l})"
TANH_FORM = r"\delta_i^{n_l} = -(y_i - a_i^{n_l})\, (1 - (a_i^{n_l})^2)"


@pytest.mark.parametrize("form, activation, code", [
    (SIGMOID_FORM, "generic", 1), (SIGMOID_FORM, "sigmoid", 0),
    (TANH_FORM, "tanh", 0), (TANH_FORM, "sigmoid", 1),
], ids=["sigmoid_form_generic", "sigmoid_form_sigmoid", "tanh_form_tanh", "tanh_form_sigmoid"])
def test_activation_specific_claim_holds_only_for_its_activation(derive, tmp_path, form, activation, code):
    write(tmp_path, "claim.md", f"$$\n{form}\n$$\n")
    proc = derive("check", "--json", "claim.md", "--activation", activation, cwd=tmp_path)
    assert proc.returncode == code, proc.stdout + proc.stderr
    (entry,) = one_doc(proc)["claims"]
    assert entry["source"] == "claim.md:2"
    assert entry["status"] == ("passed" if code == 0 else "failed")


# ---------------------------------------------------------------- round trip


@pytest.fixture(scope="module")
def round_trip(derive_many, tmp_path_factory):
    """`derive export --latex out.tex` and `--markdown out.md`, then `derive check` on each."""
    folder = tmp_path_factory.mktemp("export")
    exports = derive_many([("export", "--latex", "out.tex"), ("export", "--markdown", "out.md")], cwd=folder)
    checks = derive_many([("check", "--json", "out.tex"), ("check", "--json", "out.md")], cwd=folder)
    return {"out.tex": (exports[0], checks[0]), "out.md": (exports[1], checks[1])}


@pytest.mark.parametrize("name", ["out.tex", "out.md"])
def test_exported_document_checks_clean(round_trip, name):
    export, proc = round_trip[name]
    assert export.returncode == 0, export.stdout + export.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr
    claims = one_doc(proc)["claims"]
    assert len(claims) >= 6  # the six claims of the seed, at least
    assert all(e["status"] == "passed" for e in claims), claims


# ---------------------------------------------------------------- unchecked is not passed, and nothing to check


def test_unreadable_equation_is_not_checked_and_fails_unless_allowed(derive_many, tmp_path):
    write(tmp_path, "mixed.md", display(OUTPUT_RESIDUAL, r"\int x = 1"))
    default, lenient = derive_many([("check", "--json", "mixed.md"),
                                    ("check", "--json", "--allow-unchecked", "mixed.md")], cwd=tmp_path)
    assert default.returncode == 1, default.stdout + default.stderr
    assert lenient.returncode == 0, lenient.stdout + lenient.stderr
    for proc in (default, lenient):
        good, bad = one_doc(proc)["claims"]
        assert (good["source"], good["status"], good["passed"]) == ("mixed.md:3", "passed", True)
        assert (bad["source"], bad["status"], bad["passed"]) == ("mixed.md:7", "not checked", None)
        assert bad["reason"]
    assert one_doc(default)["allow_unchecked"] is False and one_doc(default)["passed"] is False
    assert one_doc(lenient)["allow_unchecked"] is True and one_doc(lenient)["passed"] is True


@pytest.mark.parametrize("text", ["Only prose, and inline $$x$$ math.\n", display(r"\int x = 1")],
                         ids=["no_display_math", "only_unreadable"])
def test_file_with_nothing_checkable_fails(derive, tmp_path, text):
    write(tmp_path, "empty.md", text)
    proc = derive("check", "empty.md", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "no equation could be checked" in proc.stdout


# ---------------------------------------------------------------- several files in one call


def test_several_files_exit_with_the_worst_code_and_one_json_line_each(derive_many, tmp_path):
    write(tmp_path, "good.md", display(OUTPUT_RESIDUAL))
    write(tmp_path, "bad.md", display(OUTPUT_RESIDUAL_WRONG))
    good, mixed, missing = derive_many([
        ("check", "--json", "good.md", "good.md"),
        ("check", "--json", "good.md", "bad.md", "good.md"),
        ("check", "--json", "good.md", "missing.md"),
    ], cwd=tmp_path)
    assert good.returncode == 0, good.stderr
    assert [d["file"] for d in json_lines(good)] == ["good.md", "good.md"]
    assert mixed.returncode == 1, mixed.stderr
    lines = mixed.stdout.strip().splitlines()
    assert len(lines) == 3  # JSON lines: one compact document per line, per file
    docs = [json.loads(line) for line in lines]
    assert [(d["file"], d["passed"]) for d in docs] == [("good.md", True), ("bad.md", False), ("good.md", True)]
    assert missing.returncode == 2
    assert "missing.md" in missing.stderr and "Traceback" not in missing.stderr


# ---------------------------------------------------------------- other environments


ENVIRONMENTS = {
    "bracket": (r"\[", r"\]", [OUTPUT_RESIDUAL], [OUTPUT_RESIDUAL_WRONG]),
    "equation": (r"\begin{equation}", r"\end{equation}", [OUTPUT_RESIDUAL], [OUTPUT_RESIDUAL_WRONG]),
    "align": (r"\begin{align}", r"\end{align}",
              [r"\delta_i^{n_l} &= \frac{\partial}{\partial z_i^{n_l}} J(W,b;x,y) \\",
               r"&= -(y_i - f(z_i^{n_l})) f'(z_i^{n_l}) \\",
               r"&= -(y_i - a_i^{n_l}) f'(z_i^{n_l})"],
              [r"\delta_i^{n_l} &= \frac{\partial}{\partial z_i^{n_l}} J(W,b;x,y) \\",
               r"&= -(y_i - f(z_i^{n_l})) f'(z_i^{n_l}) \\",
               r"&= (y_i - a_i^{n_l}) f'(z_i^{n_l})"]),
    "gather": (r"\begin{gather}", r"\end{gather}",
               [OUTPUT_RESIDUAL + r" \\", r"\frac{\partial}{\partial W_{ij}^l} J(W,b;x,y) = a_j^l \delta_i^{l+1}"],
               [r"\frac{\partial}{\partial W_{ij}^l} J(W,b;x,y) = a_i^l \delta_i^{l+1}"]),
}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_environment_true_equations_pass_and_a_wrong_one_fails_at_its_line(derive, tmp_path, env):
    begin, end, good, bad = ENVIRONMENTS[env]
    lines = [r"\documentclass{article}", r"\begin{document}", "A true one:", begin, *good, end,
             "A wrong one:", begin, *bad, end, r"\end{document}"]
    write(tmp_path, "doc.tex", "\n".join(lines) + "\n")
    good_lines = list(range(5, 5 + len(good)))
    bad_start = 5 + len(good) + 3
    wrong_line = bad_start + len(bad) - 1  # the last row of the second block is the wrong one
    proc = derive("check", "--json", "doc.tex", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    claims = one_doc(proc)["claims"]
    assert all(e["status"] != "not checked" for e in claims), claims
    status = {}
    for e in claims:
        status.setdefault(line_of(e), set()).add(e["status"])
    clean = ({"passed"}, {"definition"}, {"passed", "definition"})  # z^{l+1}_i = … defines the forward pass
    assert all(status.get(n) in clean for n in good_lines), status
    assert all(status.get(n) in clean for n in range(bad_start, wrong_line)), status
    assert status.get(wrong_line) == {"failed"}, status
    assert next(e for e in claims if e["status"] == "failed")["source"] == f"doc.tex:{wrong_line}"


# ---------------------------------------------------------------- --sizes


def test_sizes_option_applies_to_files(derive, tmp_path):
    write(tmp_path, "good.md", display(OUTPUT_RESIDUAL))
    proc = derive("check", "--json", "--sizes", "2,4,4,3", "good.md", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = one_doc(proc)
    assert doc["network"]["sizes"] == [[2, 4, 4, 3]]
    (entry,) = doc["claims"]
    assert entry["symbolic"]["entries"] == 3  # one per output unit of the 2,4,4,3 network
    assert "network 2,4,4,3" in entry["numeric"]["worst"]["entry"]
