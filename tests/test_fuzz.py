"""Fuzzing the reader and the checker (issue 11): random token soups and random well-formed equations.

On any input the reader raises nothing but ParseError and the checker nothing but a DeriveError (a clean
refusal); every result has a status, none met a bug, a passed one has no failure; a random non-identity is never
passed, and E = E never failed except where E is undefined. Each test has its own fixed, derandomized hypothesis
settings (no database): CI runs the same examples every time, and other test modules are unaffected.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import checks.derivation as derivation
import derive.reader.parse as parser
from checks.derivation import DEFAULT_SIZES, Settings, check_text
from checks.results import FileReport, Status
from derive.errors import DeriveError, ParseError
from derive.model.network import Network
from derive.reader import display_equations, parse_equation, parse_expression

NETS = tuple(Network(s) for s in DEFAULT_SIZES)  # the default test networks: small, so nothing hangs
CHEAP = Settings(draws=8)  # few numeric draws: the properties are about soundness, not precision


def fixed(examples: int):
    """A deterministic hypothesis profile for one test: same examples on every run, no example database."""
    return settings(derandomize=True, max_examples=examples, deadline=None, database=None, print_blob=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


# ---------------------------------------------------------------- token soups

TOKENS = (
    r"\frac", "{", "}", "^", "_", r"\sum_{i=1}^{s_l}", r"\sum_k", r"\delta", "W", "a", "z", "b", "x", "y", "f",
    "f'", r"f^{\prime}", r"\log", r"\ln", r"\exp", "e^", r"\left(", r"\right)", "(", ")", "[", "]", "=", ":=",
    r"\equiv", r"\partial", r"\nabla", "0", "1", "2", "9", "0.5", "l", "i", "j", "k", "l+1", "n_l", "s_{l+1}",
    "m", r"\lambda", r"\sigma", r"\tanh", r"\max", r"\odot", "^T", r"^\top", r"\|", r"\lVert", "|", "&", "&=",
    r"\\", r"\begin{cases}", r"\end{cases}", r"\begin{align}", r"\end{align}", r"\begin{pmatrix}", "$", "$$",
    r"\[", r"\]", "+", "-", r"\cdot", r"\times", "/", ",", ";", "'", r"\prime", "^{-1}", r"\mathbb{1}",
    r"\text{for }", r"\text{if } z > 0", ">", "<", r"\geq", r"\in", r"\dots", r"\mathbf{W}", r"\hat",
    r"\operatorname{diag}", r"\operatorname{softmax}", r"\tag{1}", r"\\[2pt]", "%", "% derive: skip", r"\{",
    r"\}", "J(W,b;x,y)", "J(W,b)", "h_{W,b}(x)", r"\unknownmacro", "δ", "∂", "−", "λ", "é", "\u200b", "\n",
    " ", "\t", "\r", "9" * 1200, "1" + "0" * 60, "0." + "3" * 80, "^{" * 30, "(" * 40, "}" * 5, r"\\" * 3,
)
SOUP = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=3)), max_size=30).map("".join)


# ---------------------------------------------------------------- well-formed equations
# Leaves in the seed's notation, typed so that shapes agree: i is a unit of layer l, J (j, or a summed p, q, r)
# one of layer l+1. No leaf is ever undefined, and none is identically 0.

LEAVES = (
    "a^{{l}}_{{i}}", "z^{{l}}_{{i}}", r"\delta^{{l}}_{{i}}", "f(z^{{l}}_{{i}})", "f'(z^{{l}}_{{i}})",
    "a^{{l+1}}_{{{J}}}", "z^{{l+1}}_{{{J}}}", r"\delta^{{l+1}}_{{{J}}}", "b^{{l}}_{{{J}}}", "W^{{l}}_{{{J}i}}",
    "f(z^{{l+1}}_{{{J}}})", r"\sum_{{k=1}}^{{s_{{l}}}} W^{{l}}_{{{J}k}} a^{{l}}_{{k}}",
    r"\sum_{{k=1}}^{{s_{{l+1}}}} W^{{l}}_{{ki}} \delta^{{l+1}}_{{k}}",
    r"\frac{{\partial J(W,b;x,y)}}{{\partial z^{{l}}_{{i}}}}",
    r"\frac{{\partial}}{{\partial W^{{l}}_{{{J}i}}}} J(W,b;x,y)",
    r"\lambda W^{{l}}_{{{J}i}}", "s_{{l+1}}", "m", "2", "3", r"\frac{{1}}{{2}}",
)
OPS = {  # name: (arity, LaTeX); "sum" binds a fresh unit of layer l+1 in its body
    "add": (2, "{0} + {1}"), "mul": (2, r"\left({0}\right) \cdot \left({1}\right)"),
    "frac": (2, r"\frac{{{0}}}{{{1}}}"), "sub": (2, r"{0} - \left({1}\right)"),
    "square": (1, r"\left({0}\right)^{{2}}"), "sum": (1, r"\sum_{{{J}=1}}^{{s_{{l+1}}}} \left({0}\right)"),
    "neg": (1, r"-\left({0}\right)"), "exp": (1, "e^{{{0}}}"),
    "log": (1, r"\log\left({0}\right)"), "tanh": (1, r"\tanh\left({0}\right)"), "sigma": (1, r"\sigma\left({0}\right)"),
    "f": (1, r"f\left({0}\right)"), "fprime": (1, r"f'\left({0}\right)"), "cube": (1, r"\left({0}\right)^{{3}}"),
    "inverse": (1, r"\left({0}\right)^{{-1}}"), "relu": (1, r"\max\left(0, {0}\right)"),
}
POSITIVE = ("add", "mul", "frac", "square", "sum")  # no minus sign: a tree over these is never identically 0
SIGNED = (*POSITIVE, "sub", "neg")
WILD = (*SIGNED, "exp", "log", "tanh", "sigma", "f", "fprime", "cube", "inverse", "relu")
BOUND = "pqr"  # summation indices, one per level of nesting
MAX_DEGREE = 4  # (a sum of s_{l+1} terms)^9 takes seconds to expand


def render(tree, depth: int = 0, unit: str = "j") -> str:
    """LaTeX for a tree of tuples (op, children...), ("leaf", k) a leaf of LEAVES."""
    op, *kids = tree
    if op == "leaf":
        return LEAVES[kids[0]].format(J=unit)
    if op == "sum":
        unit = BOUND[depth % len(BOUND)]
        return OPS[op][1].format(render(kids[0], depth + 1, unit), J=unit)
    return OPS[op][1].format(*(render(kid, depth, unit) for kid in kids))


def degree(tree) -> int:
    """A bound on the polynomial degree of a tree: expanding a high power of a sum is what takes long."""
    op, *kids = tree
    inner = [degree(kid) for kid in kids if op != "leaf"]
    return 1 if op == "leaf" else {"mul": sum, "frac": sum, "square": lambda d: 2 * d[0],
                                   "cube": lambda d: 3 * d[0]}.get(op, max)(inner)


def trees(ops: tuple[str, ...], leaves: int = 5):
    """Small expression trees over ``ops``: at most ``leaves`` leaves and degree MAX_DEGREE, so no check hangs."""
    leaf = st.tuples(st.just("leaf"), st.integers(0, len(LEAVES) - 1))
    unary, binary = ([op for op in ops if OPS[op][0] == arity] for arity in (1, 2))
    return st.recursive(leaf, lambda kids: st.tuples(st.sampled_from(unary), kids)
                        | st.tuples(st.sampled_from(binary), kids, kids), max_leaves=leaves).filter(
        lambda tree: degree(tree) <= MAX_DEGREE)


TERMS = st.integers(0, len(LEAVES) - 1)
HOW = st.sampled_from(["plus one", "minus term", "plus term", "twice", "swap"])


def perturbed(tree, how: str, term: int) -> tuple[str, str]:
    """E and E' with E = E' not an identity, for E from a POSITIVE tree (so E ≢ 0 and every leaf counts)."""
    e, extra = render(tree), LEAVES[term].format(J="j")
    if how == "swap" and "_{i}" in e:  # one occurrence of a unit of layer l becomes another free unit, u
        return e, e.replace("_{i}", "_{u}", 1)
    return e, {"plus one": f"{e} + 1", "minus term": f"{e} - {extra}", "plus term": f"{e} + {extra}",
               "twice": rf"\left({e}\right) \cdot 2", "swap": f"{e} + 1"}[how]


@st.composite
def mutants(draw) -> str:
    """A well-formed equation with a few tokens put in and a few characters cut: near misses reach deeper."""
    text = f"{render(draw(trees(WILD)))} = {render(draw(trees(WILD)))}"
    for _ in range(draw(st.integers(1, 4))):
        at, cut = draw(st.integers(0, len(text))), draw(st.integers(0, 3))
        text = text[:at] + draw(st.sampled_from(TOKENS) | st.just("")) + text[at + cut:]
    return text


# Phrases: pieces that parse alone (the leaves and odder notation: samples, batches, qualifiers, cases, huge
# numbers) strung together with operators and brackets at random.
ODD = (
    r"\sum_{j=1}^{m}", r"\sum_{l=1}^{n_l-1}", r"x^{(k)}_{j}", r"y^{(k)}", r"J(W,b;x^{(k)},y^{(k)})", r"\tanh^{2}",
    r"\text{ for } l = 2, \dots, n_l - 1", r"\quad \forall l < n_l", r"f^{(3)}", r"\tanh^{-1}", r"\log^{2}", "2^{64}",
    "10^{-400}", r"\mathbb{1}[z^{l}_{i} > 0]", r"\frac{\partial^2 J}{\partial W^2}", "W^{999999}_{ij}", "s_{l+99999}",
    "a^{2l}_{i}", "a^{l}_{s_l}", "h_{W,b}(x)", r"\|h_{W,b}(x) - y\|^2", r"\nabla_{W^{(l)}} J(W,b;x,y)", "A^{(l)}",
    r"\delta^{(l)}", "(W^{(l)})^T", "f'(z^{(l)})", "a^{(l)}", r"\Delta^{(l+1)}", r"\mathbf{1}^T", "0^{0}", "z",
    r"\left[a^{(l)(1)}, \dots, a^{(l)(m)}\right]", r"\begin{cases} 1 & z > 0 \\ 0 & \text{otherwise}\end{cases}",
    r"\max(0, z^{l}_{i})", r"\sigma(z)", r"\operatorname{ReLU}(z^{l}_{i})", r"\frac{\lambda}{2}", r"e^{-z}", r"\log 0",
    r"\sum_{i=1}^{0}", r"\sum_{i=3}^{1}",
)
JOINERS = ("+", "-", "=", r"\cdot", r"\odot", "^{2}", "^T", r"\frac{", "}{", "}", "(", ")", r"\left(", r"\right)", ",",
           r" \\ ", " &= ", ":=")
PHRASES = st.lists(st.sampled_from(ODD + tuple(leaf.format(J="j") for leaf in LEAVES) + JOINERS), min_size=1,
                   max_size=12).map(" ".join)


# Vector form: leaves of s_l or of s_{l+1} entries, each combined only with leaves of its own shape.
VECTORS = {"l": ("a^{l}", "z^{l}", r"\delta^{l}", "f'(z^{l})", r"\left(W^{l}\right)^T \delta^{l+1}"),
           "l+1": ("a^{l+1}", "z^{l+1}", r"\delta^{l+1}", "b^{l}", "W^{l} a^{l}", "f(z^{l+1})")}
VECTOR_OPS = ("{0} + {1}", r"\left({0}\right) \odot \left({1}\right)", r"2 \left({0}\right)", r"-\left({0}\right)")


@st.composite
def vectors(draw) -> tuple[str, str]:
    """A vector expression E and a vector leaf T of its shape (E = E + T is not an identity)."""
    shape = draw(st.sampled_from(sorted(VECTORS)))
    leaf = st.sampled_from(VECTORS[shape])
    e = draw(leaf)
    for template in draw(st.lists(st.sampled_from(VECTOR_OPS), max_size=4)):
        e = template.format(e, draw(leaf))
    return e, draw(leaf)


# Whole files: front matter, display blocks of several kinds, rows from the shipped derivations (which set
# and use a model), generated equations, chains continued with &=, and soups.
HERE = Path(__file__).resolve().parent
SHIPPED = (*sorted((HERE / "derivations").glob("*.md")), HERE.parent / "examples" / "seed.md")
CORPUS = sorted({row.text for path in SHIPPED
                 for block in display_equations(path.read_text(encoding="utf-8")) for row in block.rows})
FRONT = ("", "activation: sigmoid", "activation: relu", "loss: cross-entropy", "loss: categorical\n  output: softmax",
         "convention: nielsen", "output: linear", "sizes: 2,3,2", "samples: 3", "activation: bogus", "colour: red")
BLOCKS = ("$$\n{}\n$$", "\\begin{{align}}\n{}\n\\end{{align}}", "\\[ {} \\]", "\\begin{{equation}}{}\\end{{equation}}",
          "<!-- derive: skip -->\n$$\n{}\n$$", "$$\n\\begin{{aligned}}\n{}\n\\end{{aligned}}\n$$")


@st.composite
def documents(draw) -> str:
    """A file of a few display blocks, each of one to four rows, under an optional front matter."""
    row = st.sampled_from(CORPUS) | trees(SIGNED).map(lambda t: f"{render(t)} = {render(t)} + 1") | mutants()
    blocks = []
    for _ in range(draw(st.integers(1, 3))):
        rows = draw(st.lists(row, min_size=1, max_size=3))
        if draw(st.booleans()):  # a chain: the last right-hand side again, or a random one
            rows.append("&= " + draw(st.sampled_from(rows) | row).rpartition("=")[2])
        blocks.append(draw(st.sampled_from(BLOCKS)).format(" \\\\\n".join(rows)))
    front = draw(st.sampled_from(FRONT))
    return (f"---\nderive:\n  {front}\n---\n" if front else "") + "\n\nSome prose.\n\n".join(blocks) + "\n"


# ---------------------------------------------------------------- the properties


def reads_cleanly(text: str) -> None:
    """The reader finds blocks without raising, and parses any row into an AST or a ParseError."""
    for block in display_equations(text):
        for row in block.rows:
            for read in (parse_equation, parse_expression):
                try:
                    read(row.text)
                except ParseError:
                    pass


def checked(text: str) -> FileReport | None:
    """check_text on ``text``, cheaply: its report, checked sound, or None for a clean refusal (DeriveError)."""
    try:
        report = check_text(text, "fuzz.md", NETS, CHEAP)
    except DeriveError:
        return None
    for r in report.results:  # every result has a status, none met a bug, and a passed one has no failure
        assert isinstance(r.status, Status), r
        numeric = r.numeric.reason if r.numeric else ""
        assert "internal error" not in r.reason, r
        assert "internal error" not in numeric, r
        assert r.status is not Status.PASSED or (r.failure is None and (r.numeric is None or r.numeric.passed)), r
    return report


def never_passed(lhs: str, rhs: str) -> None:
    """The non-identity lhs = rhs is failed or not checked, never passed."""
    report = checked(f"$$\n{lhs} = {rhs}\n$$\n")
    assert report is None or all(r.status is not Status.PASSED for r in report.results), (lhs, rhs, report)


def never_failed(side: str) -> None:
    """E = E is passed, or not checked, or failed only where its value is undefined (NaN or inf)."""
    report = checked(f"$$\n{side} = {side}\n$$\n")
    for r in report.results if report else ():
        assert r.symbolic is not Status.REFUTED, (side, r)
        assert r.status is not Status.FAILED or (r.numeric is not None and r.numeric.reason), (side, r)


# ---------------------------------------------------------------- the tests


@fixed(800)
@given(SOUP | PHRASES | mutants())
def test_reader_survives_token_soup(soup):
    reads_cleanly(soup)
    reads_cleanly(f"$$\n{soup}\n$$\n")


@fixed(250)
@given(SOUP | PHRASES | mutants())
@example(r"\sum_{i=1}^{0} 1 = 1")  # an empty sum was Python's 0, which the witness could not walk
@example(r"\frac{1}{a^{l}_{i} - z^{l}_{i}} = 1")  # complex infinity once f is the identity: Lambdify raised
@example(r"\log(-f'(z^{l}_{i})) = 0")
@example(r"e^{1/(z^{l}_{i} - a^{l}_{i})} = 1")
@example(r"\frac{1}{a^{l}_{i} - z^{l}_{i}} = \frac{1}{a^{l}_{i} - z^{l}_{i}}")
def test_checker_survives_token_soup(soup):
    checked(f"$$\n{soup}\n$$\n")


@fixed(40)
@given(documents())
def test_checker_survives_random_files(text):
    checked(text)


@fixed(150)
@given(trees(POSITIVE), HOW, TERMS)
def test_random_non_identity_is_never_passed(tree, how, term):
    never_passed(*perturbed(tree, how, term))


@fixed(100)
@given(trees(WILD), TERMS, st.booleans())
def test_random_expression_plus_a_term_is_never_equal_to_itself(tree, term, one):
    e = render(tree)
    never_passed(e, f"{e} + {'1' if one else LEAVES[term].format(J='j')}")


@fixed(150)
@given(trees(SIGNED) | trees(WILD))
def test_identical_sides_are_never_failed_except_where_undefined(tree):
    never_failed(render(tree))


@fixed(60)
@given(vectors())
def test_vector_form_non_identity_is_never_passed_and_identity_never_failed(pair):
    e, extra = pair
    never_passed(e, f"{e} + {extra}")
    never_failed(e)


# ---------------------------------------------------------------- the properties can fail


def _forced(monkeypatch, status: Status, reason: str = "") -> None:
    """Make every step's symbolic verdict ``status`` (with ``reason``) and skip the numeric pass."""
    real = derivation._Checker.symbolic
    monkeypatch.setattr(derivation._Checker, "symbolic", lambda self, k, step: replace(
        real(self, k, step), status=status, reason=reason, failure=None))
    monkeypatch.setattr(derivation._Checker, "numeric_pass", lambda self, results: results)


@pytest.mark.parametrize("status, reason, prop, arg", [
    (Status.PASSED, "", never_passed, perturbed(("leaf", 9), "plus one", 0)),  # W = W + 1 passed
    (Status.FAILED, "", never_failed, (render(("leaf", 9)),)),  # W = W failed
    (Status.NOT_CHECKED, "internal error (KeyError: 'l')", never_failed, ("a^{l}_{i}",))])  # a bug met
def test_a_checker_that_breaks_a_property_is_caught(monkeypatch, status, reason, prop, arg):
    _forced(monkeypatch, status, reason)
    with pytest.raises(AssertionError):
        prop(*arg)


def test_a_reader_crash_is_caught(monkeypatch):
    monkeypatch.setattr(parser._Parser, "relation", lambda self: [][0])  # an IndexError, as a bug would raise
    with pytest.raises(IndexError):
        reads_cleanly("$$\na = b\n$$\n")
