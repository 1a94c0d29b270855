"""``derive check --format concise|github|sarif``: a problem line (an annotation, a SARIF result) for each
equation that failed or was not checked, at its line, and nothing for a correct file.

Each format is run in this process (``derive.cli.main`` with capsys) on the shipped derivations and on copies
with one planted mistake (tests/test_styles.py's, and a seed mutant built as tests/mutation builds them); one
run goes through a subprocess. The SARIF is validated against the official SARIF 2.1.0 JSON schema
(tests/data/sarif-schema-2.1.0.json, draft-07), which must reject a log without its version.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest
from mutation import dsl
from mutation.seed_rows import ROWS, sym, with_row

from checks.derivation import DEFAULT_SIZES, check_text
from checks.report import run
from checks.results import FileReport, Location
from derive.cli import main
from derive.model.backprop import SEED_CLAIMS, replace_claim
from derive.model.network import Network
from derive.render.formats import RULES, Problem, claim_problems, github, lines, problems, sarif

HERE = Path(__file__).parent
SCHEMA = json.loads((HERE / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
MACHINE = ("concise", "github", "sarif")

# (file, line, old text, new text): planted mistakes of tests/test_styles.py, each one failed step at its line
PLANTED = [
    ("nielsen.md", 20, "a^L_j - y_j", "y_j - a^L_j"),  # BP1 with the error's sign flipped
    ("sigmoid.md", 26, "W^l_{ji}", "W^l_{ij}"),  # the recurrence without the transpose
    ("tanh.md", 12, r"\left(1 - \left(a^{n_l}_i\right)^2\right)", r"\left(1 - a^{n_l}_i\right)"),  # 1 − a for 1 − a²
    ("vector-ufldl.md", 26, r"\left(W^{(l)}\right)^T", r"W^{(l)}"),  # the recurrence without the transpose
]
OUTPUT_RESIDUAL = r"\delta_i^{n_l} = -(y_i - a_i^{n_l}) f'(z_i^{n_l})"
UNREADABLE = r"\int x = 1"  # line 8 of NOT_CHECKED
NOT_CHECKED = f"Text.\n\n$$\n{OUTPUT_RESIDUAL}\n$$\n\nText.\n$$\n{UNREADABLE}\n$$\n"


def planted(name: str, line: int, old: str, new: str) -> str:
    """The derivation ``name`` with ``old`` replaced by ``new`` on ``line``."""
    rows = (HERE / "derivations" / name).read_text(encoding="utf-8").split("\n")
    assert old in rows[line - 1]
    rows[line - 1] = rows[line - 1].replace(old, new)
    return "\n".join(rows)


def seed_mutant(seed_text: str) -> tuple[str, int]:
    """The seed post with its output residual's sign flipped (δ = (y − a) f'(z)), and the row's line."""
    index = next(k for k, row in enumerate(ROWS) if row.line == 51)
    nl = dsl.Layer("n_l")
    flipped = dsl.Mul((dsl.Paren(dsl.Add((dsl.Term(1, dsl.Data("y", "i")), dsl.Term(-1, sym("a", nl, "i"))))),
                       dsl.Call("f'", sym("z", nl, "i"))))
    return with_row(seed_text, index, dataclasses.replace(ROWS[index], rhs=flipped)), 51


@pytest.fixture
def derive(capsys, tmp_path, monkeypatch):
    """``derive(*args, files={name: text})`` -> (exit code, stdout, stderr): ``main(["check", "--quiet", *args])``
    in tmp_path, where ``files`` are written first; $GITHUB_STEP_SUMMARY unset unless a test sets it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)

    def run_main(*args: str, files: dict[str, str] | None = None) -> tuple[int, str, str]:
        for name, text in (files or {}).items():
            (tmp_path / name).write_text(text, encoding="utf-8")
        capsys.readouterr()
        code = main(["check", "--quiet", *args])
        out, err = capsys.readouterr()
        return code, out, err
    return run_main


def valid_sarif(out: str) -> dict:
    """The one SARIF document printed, checked against the schema."""
    doc = json.loads(out)
    errors = [e.message for e in VALIDATOR.iter_errors(doc)]
    assert not errors, errors
    assert len(doc["runs"]) == 1
    return doc


# ---------------------------------------------------------------- a correct file, a planted mistake


@pytest.mark.parametrize("fmt", MACHINE)
def test_a_correct_derivation_has_no_problem_in_any_format(derive, fmt):
    code, out, _ = derive("--format", fmt, "tanh.md",
                          files={"tanh.md": (HERE / "derivations" / "tanh.md").read_text()})
    assert code == 0
    if fmt == "sarif":
        doc = valid_sarif(out)
        assert doc["runs"][0]["results"] == []
        assert [r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]] == [r.id for r in RULES]
    else:
        assert out.splitlines() == ["All 4 equations passed in 1 file; 1 definition not counted"]


@pytest.mark.parametrize(("name", "line", "old", "new"), PLANTED)
def test_a_planted_mistake_is_one_concise_line_at_its_line(derive, name, line, old, new):
    code, out, _ = derive("--format", "concise", name, files={name: planted(name, line, old, new)})
    assert code == 1
    problem, closing = out.splitlines()
    assert problem.startswith(f"{name}:{line}:1: FAIL ")
    assert closing == "Found 1 problem (1 failed, 0 not checked) in 1 file"


@pytest.mark.parametrize(("name", "line", "old", "new"), PLANTED[:2])
def test_a_planted_mistake_is_one_github_error_at_its_line(derive, name, line, old, new):
    code, out, _ = derive("--format", "github", name, files={name: planted(name, line, old, new)})
    assert code == 1
    (annotation,) = [x for x in out.splitlines() if x.startswith("::")]
    assert annotation.startswith(f"::error file={name},line={line},title=derive%3A FAIL ")
    assert "%0Aleft:  " in annotation and "%0Aright: " in annotation  # both sides, on lines of their own


@pytest.mark.parametrize(("name", "line", "old", "new"), PLANTED[:2])
def test_a_planted_mistake_is_one_sarif_result_at_its_line(derive, name, line, old, new):
    code, out, _ = derive("--format", "sarif", name, files={name: planted(name, line, old, new)})
    assert code == 1
    (result,) = valid_sarif(out)["runs"][0]["results"]
    assert (result["ruleId"], result["ruleIndex"], result["level"]) == ("derive/step-failed", 0, "error")
    where = result["locations"][0]["physicalLocation"]
    assert where == {"artifactLocation": {"uri": name}, "region": {"startLine": line}}


def test_a_seed_mutant_fails_at_the_mutated_row(derive, seed_text):
    text, line = seed_mutant(seed_text)
    code, out, _ = derive("--format", "concise", "seed.md", files={"seed.md": text})
    assert code == 1
    problem, closing = out.splitlines()
    assert problem.startswith(f"seed.md:{line}:1: FAIL ") and closing.startswith("Found 1 problem (1 failed")


def test_the_unmutated_seed_post_has_no_problem(derive, seed_text):
    code, out, _ = derive("--format", "concise", "seed.md", files={"seed.md": seed_text})
    assert (code, out.splitlines()[0].split()[0]) == (0, "All")


# ---------------------------------------------------------------- not checked is never silent


@pytest.mark.parametrize("allow", [False, True])
@pytest.mark.parametrize("fmt", MACHINE)
def test_an_equation_not_checked_shows_in_every_format(derive, fmt, allow):
    code, out, _ = derive("--format", fmt, "notes.md", *(["--allow-unchecked"] if allow else []),
                          files={"notes.md": NOT_CHECKED})
    assert code == (0 if allow else 1)
    if fmt == "concise":
        assert out.splitlines() == ["notes.md:9:1: NOT-CHECKED \\int x = 1: unknown macro \\int at column 1",
                                    "Found 1 problem (0 failed, 1 not checked) in 1 file"]
    elif fmt == "github":
        assert out.splitlines()[0] == ("::warning file=notes.md,line=9,title=derive%3A NOT-CHECKED \\int x = 1::"
                                       "unknown macro \\int at column 1")
    else:
        (result,) = valid_sarif(out)["runs"][0]["results"]
        assert (result["ruleId"], result["level"]) == ("derive/not-checked", "warning")
        assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 9}
        assert result["properties"]["latex"] == UNREADABLE


def test_a_file_with_no_equation_to_check_is_a_problem_of_the_file(derive):
    definition = "$$\na^{l+1}_i = \\tanh(z^{l+1}_i)\n$$\n"  # the forward pass only: nothing to check
    code, out, _ = derive("--format", "concise", "defs.md", files={"defs.md": definition})
    assert code == 1
    assert out.splitlines() == ["defs.md:1:1: ERROR cannot check file: no equation could be checked (1 equation: "
                                "1 definition, 0 skipped)", "Found 1 problem (0 failed, 0 not checked, 1 file not "
                                "checked) in 1 file"]


# ---------------------------------------------------------------- several files, a file that cannot be read


def test_several_files_stream_their_lines_in_order_and_close_with_the_count(derive):
    name, line, old, new = PLANTED[2]
    files = {"good.md": (HERE / "derivations" / name).read_text(), "bad.md": planted(name, line, old, new),
             "notes.md": NOT_CHECKED}
    code, out, err = derive("--format", "concise", "--jobs", "2", "good.md", "bad.md", "missing.md", "notes.md",
                            files=files)
    assert code == 2  # a file that cannot be read is bad input, as for the table
    assert [x.split(" ")[:2] for x in out.splitlines()[:-1]] == [
        [f"bad.md:{line}:1:", "FAIL"], ["missing.md:1:1:", "ERROR"], ["notes.md:9:1:", "NOT-CHECKED"]]
    assert out.splitlines()[-1] == "Found 3 problems (1 failed, 1 not checked, 1 file not checked) in 4 files"
    assert err.strip() == "derive: error: missing.md: no such file"  # still said on stderr too


def test_several_files_make_one_sarif_document_and_an_unreadable_file_is_a_result(derive):
    code, out, _ = derive("--format", "sarif", "a.md", "missing.md", "b.md",
                          files={"a.md": NOT_CHECKED, "b.md": NOT_CHECKED})
    assert code == 2
    results = valid_sarif(out)["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in results] == [
        ("derive/not-checked", "a.md"), ("derive/file-error", "missing.md"), ("derive/not-checked", "b.md")]
    assert "region" not in results[1]["locations"][0]["physicalLocation"]


def test_an_unreadable_file_is_a_github_error_on_the_file(derive):
    code, out, _ = derive("--format", "github", "missing.md")
    assert code == 2
    assert out.splitlines()[0] == ("::error file=missing.md,title=derive%3A ERROR cannot check file::"
                                   "missing.md: no such file")


# ---------------------------------------------------------------- GitHub: escaping and the step summary


def test_github_escapes_data_and_properties_as_the_toolkit_does():
    p = Problem("derive/step-failed", "a,b:c%.md", 3, "x = y", "100% wrong", ("line one\r\nline two",))
    assert github(p) == ("::error file=a%2Cb%3Ac%25.md,line=3,title=derive%3A FAIL x = y::"
                         "100%25 wrong%0Aline one%0D%0Aline two")


def test_github_appends_a_summary_to_the_step_summary_file_and_keeps_what_was_there(derive, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    summary.write_text("# an earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    name, line, old, new = PLANTED[0]
    code, out, _ = derive("--format", "github", "good.md", name,
                          files={"good.md": (HERE / "derivations" / "tanh.md").read_text(),
                                 name: planted(name, line, old, new)})
    assert code == 1 and len([x for x in out.splitlines() if x.startswith("::error ")]) == 1
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# an earlier step\n## derive check: FAILED\n")
    assert "| good.md | 5 | 4 | 0 | 0 | 0 | 1 | ✅ pass |" in text
    assert f"| {name} |" in text and "❌ FAIL" in text
    assert f"\n{name}:{line}:1: FAIL " in text  # the failing line, as concise writes it
    assert "Found 1 problem (1 failed, 0 not checked) in 2 files" in text


def test_without_the_step_summary_variable_nothing_is_written(derive, tmp_path):
    code, _, _ = derive("--format", "github", "notes.md", files={"notes.md": NOT_CHECKED})
    assert code == 1 and sorted(p.name for p in tmp_path.iterdir()) == ["notes.md"]


# ---------------------------------------------------------------- a notebook's cell


def test_a_problem_in_a_notebook_cell_says_the_cell(monkeypatch):
    nets = tuple(Network(s) for s in DEFAULT_SIZES)
    report = check_text(NOT_CHECKED, "nb.ipynb", nets)
    monkeypatch.setattr(FileReport, "where", lambda self, r: Location(self.path, r.step.line - 7, 3))
    (problem,) = problems(report)
    assert lines("concise", [problem]).startswith("nb.ipynb:cell 3:2:1: NOT-CHECKED ")
    assert lines("github", [problem]).startswith(
        "::warning file=nb.ipynb,title=derive%3A NOT-CHECKED \\int x = 1 (cell 3%2C line 2)::")
    doc = sarif([problem], "0")
    assert not list(VALIDATOR.iter_errors(doc))
    (result,) = doc["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "nb.ipynb"}}
    assert result["message"]["text"].startswith("cell 3, line 2: ")
    assert (result["properties"]["cell"], result["properties"]["lineInCell"]) == (3, 2)


# ---------------------------------------------------------------- the seed's claims


@pytest.mark.parametrize("fmt", MACHINE)
def test_the_seed_claims_pass_in_every_format(derive, fmt, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    code, out, _ = derive("--format", fmt)
    assert code == 0
    if fmt == "sarif":
        assert valid_sarif(out)["runs"][0]["results"] == []
    else:
        assert out.splitlines() == ["All 6 claims passed"]
    if fmt == "github":
        assert "| seed claims (network 2,3,3,2) | 6 | 6 | 0 |" in (tmp_path / "summary.md").read_text()


def test_a_wrong_seed_claim_is_a_problem_at_the_claim():
    claims = replace_claim(SEED_CLAIMS, "delta_output",
                           lambda v, l, i, j: (v.y[i] - v.a[l][i]) * v.fprime(v.z[l][i]))  # the sign flipped
    (problem,) = claim_problems(run(Network((2, 3, 2)), claims, draws=8))
    line = lines("concise", [problem])
    assert line.startswith("derive:claim/delta_output: FAIL delta_output (Output residual): symbolic refuted")
    assert "automatic 7.00000000000, hand -7.00000000000" in line  # the witness: both sides at a point
    doc = sarif([problem], "0")
    assert not list(VALIDATOR.iter_errors(doc))
    (result,) = doc["runs"][0]["results"]
    assert (result["ruleId"], result["ruleIndex"]) == ("derive/claim-failed", 3)
    assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "derive:claim/delta_output"


# ---------------------------------------------------------------- the schema has teeth; usage errors


def test_the_schema_rejects_a_log_without_its_version():
    doc = sarif([], "0")
    assert not list(VALIDATOR.iter_errors(doc))
    del doc["version"]
    assert [e.message for e in VALIDATOR.iter_errors(doc)] == ["'version' is a required property"]


def test_the_schema_rejects_a_result_with_an_unknown_level():
    doc = sarif([Problem("derive/step-failed", "a.md", 1, "x = y", "wrong")], "0")
    doc["runs"][0]["results"][0]["level"] = "fatal"
    assert len(list(VALIDATOR.iter_errors(doc))) == 1


@pytest.mark.parametrize("args", [("--format", "xml"), ("--json", "--format", "concise")])
def test_a_bad_format_is_one_line_and_exit_2(derive, args):
    code, out, err = derive(*args, "notes.md", files={"notes.md": NOT_CHECKED})
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and err.startswith("derive: error: ")


def test_json_is_format_json(derive):
    outputs = [derive(*args, "notes.md", files={"notes.md": NOT_CHECKED}) for args in
               (("--json",), ("--format", "json"), ("--json", "--format", "json"))]
    assert outputs[0][0] == 1 and outputs[0] == outputs[1] == outputs[2]
    assert json.loads(outputs[0][1])["summary"]["not_checked"] == 1


@pytest.mark.cli
def test_the_command_line_prints_the_concise_line_in_a_subprocess(run_cli, tmp_path):
    name, line, old, new = PLANTED[2]
    (tmp_path / name).write_text(planted(name, line, old, new), encoding="utf-8")
    proc = run_cli("check", "--format", "concise", name, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines()[0].startswith(f"{name}:{line}:1: FAIL ")


def test_a_part_of_a_project_never_read_is_a_problem_with_no_empty_subject(tmp_path, capsys):
    residual = "\\[ \\delta^{n_l}_i = -(y_i - a^{n_l}_i) f'(z^{n_l}_i) \\]\n"
    (tmp_path / "main.tex").write_text("\\input{nonexist}\n" + residual, encoding="utf-8")
    code = main(["check", str(tmp_path / "main.tex"), "--format", "concise"])
    first = capsys.readouterr().out.splitlines()[0]
    assert code == 1 and first.startswith(f"{tmp_path / 'main.tex'}:1:1: NOT-CHECKED not read: \\input{{nonexist}}")
    main(["check", str(tmp_path / "main.tex"), "--format", "github"])
    assert "title=derive%3A NOT-CHECKED::not read" in capsys.readouterr().out
