"""The house rules of the source tree: imports run one way, modules stay small, every AST node is
evaluated, activations are named in the registry only, and the README's lists are the registry's."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from derive.meaning import evaluator
from derive.meaning.symbols import Env, SymbolTable
from derive.model.backprop import SEED_CLAIMS
from derive.model.network import Network
from derive.primitives import ACTIVATIONS, markdown_tables
from derive.reader import ast as nodes

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "derive").rglob("*.py")) + sorted((ROOT / "checks").rglob("*.py"))
MAX_LINES = 320  # "about 300": a module past that is usually two ideas

# The data flow, lowest first: a module imports only from its own layer or the layers below it.
LAYERS = [
    ("derive.errors",),
    ("derive.primitives", "derive.settings"),
    ("derive.model",),  # spec → expressions
    ("derive.reader",),  # text → AST
    ("derive.meaning",),  # AST → meaning
    ("checks",),  # → results
    ("derive.render",),  # results → text
    ("derive.cli", "derive.commands", "derive.arguments", "derive.options", "derive.checkfiles", "derive.config",
     "derive.bench", "derive.__main__", "derive.testing", "derive.pytest_plugin",
     "derive.baseline", "derive.floor", "derive.jupyter"),  # the shell
]


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int:
    for k, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return k
    raise AssertionError(f"{module} is in no layer")


def _imports(path: Path) -> set[str]:
    """derive and checks modules imported at run time (not those under ``if TYPE_CHECKING:``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and getattr(node.test, "id", None) == "TYPE_CHECKING" for n in ast.walk(node)}
    out = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return {m for m in out if m.split(".")[0] in ("derive", "checks")}


PACKAGES = [p for p in SOURCES if p.name != "__init__.py"]  # a package's __init__ only re-exports


@pytest.mark.parametrize("path", PACKAGES, ids=lambda p: _module(p))
def test_a_module_imports_only_from_its_own_layer_or_below(path):
    mine = _layer(_module(path))
    upward = sorted(m for m in _imports(path) if m not in ("derive", "checks") and _layer(m) > mine)
    assert not upward, f"{_module(path)} (layer {mine}) imports {upward}"


def test_run_time_imports_have_no_cycle():
    graph = {_module(p): {m for m in _imports(p) if m not in ("derive", "checks")} for p in PACKAGES}
    state: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        if state.get(module) == 2:
            return
        assert state.get(module) != 1, " → ".join([*trail, module])
        state[module] = 1
        for other in sorted(graph.get(module, ())):
            visit(other, [*trail, module])
        state[module] = 2

    for module in sorted(graph):
        visit(module, [])


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: _module(p) or p.name)
def test_no_module_is_longer_than_about_300_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_the_evaluator_has_one_method_per_ast_node():
    node_classes = {c for c in vars(nodes).values() if isinstance(c, type) and issubclass(c, nodes.Node)} - {nodes.Node}
    assert set(evaluator._DISPATCH) == node_classes


def test_a_node_the_evaluator_does_not_know_is_an_error_not_an_unchecked_row():
    class Stray(nodes.Node):
        pass

    with pytest.raises(TypeError, match="no method for Stray"):
        evaluator.evaluate(SymbolTable(Network((2, 2))), Stray(), Env(), evaluator.Budget())


def _string_constants(path: Path) -> set[str]:
    return {n.value for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def test_activations_are_named_in_the_registry_only():
    registry = ROOT / "derive" / "primitives.py"
    for path in SOURCES:
        if path == registry:
            continue
        text = path.read_text(encoding="utf-8")
        named = (set(ACTIVATIONS) - {"generic"}) & _string_constants(path)
        assert not named, f"{path.name} names the activation(s) {sorted(named)}: read them from the registry"
        assert not re.search(r"sigmoid|softplus", text, re.I), f"{path.name} mentions an activation by name"


def test_no_code_tests_a_claim_by_its_id():
    for path in SOURCES:
        if path.name == "backprop.py":  # where the seed's claims are declared
            continue
        ids = {c.id for c in SEED_CLAIMS} & _string_constants(path)
        assert not ids, f"{path.name} refers to claim ids {sorted(ids)}: use the claim's Quantity"


def test_readme_lists_the_registry():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_tables() in readme, "regenerate the README's tables: derive primitives"
    assert f"[--activation {'|'.join(ACTIVATIONS)}]" in readme
