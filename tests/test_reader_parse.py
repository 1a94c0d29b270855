"""Parsing the seed's index notation into the AST: each notation, the seed's rows, errors, fuzzing."""

import random
from fractions import Fraction

import pytest

from derive.errors import ParseError
from derive.reader import (
    Add,
    Call,
    Derivative,
    Frac,
    Mul,
    Neg,
    Norm,
    Num,
    Pow,
    Relation,
    Sum,
    Sym,
    Var,
    display_equations,
    parse_equation,
    parse_expression,
)

i, j, k, l, m, nl = Var("i"), Var("j"), Var("k"), Var("l"), Var("m"), Var("n_l")
one, two = Num(Fraction(1)), Num(Fraction(2))
l_plus_1, nl_minus_1 = Add((l, one)), Add((nl, Neg(one)))
W, b, x, y, lam = Sym("W"), Sym("b"), Sym("x"), Sym("y"), Sym("lambda")


def sym(name, *sub, sup=None, sample=None):
    return Sym(name, tuple(sub), sup, sample)


def call(name, *args, sub=(), sup=None, semicolon=False):
    return Call(name, tuple(args), tuple(sub), sup, semicolon)


def parses_to(text, expected):
    node = parse_expression(text)
    assert node == expected, f"{text!r} gave {node}"
    assert parse_expression(str(node)) == node, f"str() of {text!r} does not parse back"


@pytest.mark.parametrize("text", ["a_j^l", "a^{l}_{j}", "a^{(l)}_j", "a_{j}^{(l)}", "a^l_j"])
def test_layer_is_the_superscript_and_unit_the_subscript_in_either_order(text):
    parses_to(text, sym("a", j, sup=l))


@pytest.mark.parametrize("text, expected", [
    ("z_i^{l+1}", sym("z", i, sup=l_plus_1)),
    ("b_i^{l}", sym("b", i, sup=l)),
    ("\\delta_i^{n_l}", sym("delta", i, sup=nl)),
    ("\\delta^{(n_l-1)}_i", sym("delta", i, sup=nl_minus_1)),
    ("W_{jk}^{n_l-1}", sym("W", j, k, sup=nl_minus_1)),
])
def test_layer_superscript_can_be_an_index_expression(text, expected):
    parses_to(text, expected)


@pytest.mark.parametrize("text, expected", [
    ("W_{ji}^{l}", sym("W", j, i, sup=l)),
    ("W^{(l)}_{ij}", sym("W", i, j, sup=l)),
    ("W_{i,j}^l", sym("W", i, j, sup=l)),
    ("W_{ij}", sym("W", i, j)),
    ("z_{l+1}", sym("z", l_plus_1)),
    ("a_{n_l}", sym("a", nl)),
])
def test_letters_in_a_subscript_are_separate_indices_but_expressions_are_one(text, expected):
    parses_to(text, expected)


@pytest.mark.parametrize("text, expected", [
    ("x^i", sym("x", sample=i)),
    ("y^{(i)}", sym("y", sample=i)),
    ("x^{(k)}", sym("x", sample=k)),
    ("x_j^{(i)}", sym("x", j, sample=i)),
    ("y_i", sym("y", i)),
    ("y_j", sym("y", j)),
    ("x", x),
])
def test_superscript_of_x_and_y_is_the_sample(text, expected):
    parses_to(text, expected)


@pytest.mark.parametrize("text, expected", [
    ("s_{l+1}", sym("s", l_plus_1)), ("s_l", sym("s", l)), ("S_{n_l}", sym("S", nl)),
])
def test_layer_width(text, expected):
    parses_to(text, expected)


def test_n_l_is_an_index_var_in_scripts_and_a_symbol_outside():
    parses_to("n_l", Sym("n_l"))
    parses_to("n_{l}-1", Add((Sym("n_l"), Neg(one))))
    parses_to("a^{n_l}", sym("a", sup=nl))


@pytest.mark.parametrize("text, expected", [
    ("W^la^l", Mul((sym("W", sup=l), sym("a", sup=l)))),
    ("x_1", sym("x", one)),
    ("x_{12}", sym("x", Num(Fraction(12)))),
    ("x_12", Mul((sym("x", one), two))),
    ("\\frac12", Frac(one, two)),
    ("\\frac1m", Frac(one, Sym("m"))),
    ("W^{l}_{ij}a^l_j", Mul((sym("W", i, j, sup=l), sym("a", j, sup=l)))),
])
def test_scripts_and_frac_arguments_take_one_token_as_in_tex(text, expected):
    parses_to(text, expected)


@pytest.mark.parametrize("text, expected", [
    ("f(z)", call("f", Sym("z"))),
    ("f'(z_i^{n_l})", call("f'", sym("z", i, sup=nl))),
    ("f^\\prime(z)", call("f'", Sym("z"))),
    ("f^{\\prime}(z)", call("f'", Sym("z"))),
    ("h_{W,b}(x)", call("h", x, sub=(W, b))),
    ("J(W,b)", call("J", W, b)),
    ("J(w,b)", call("J", Sym("w"), b)),
    ("J(W,b;x,y)", call("J", W, b, x, y, semicolon=True)),
    ("J(W,b,x,y)", call("J", W, b, x, y)),
    ("J(W,b;x^i,y^i)", call("J", W, b, sym("x", sample=i), sym("y", sample=i), semicolon=True)),
    ("J\\left(W,b\\right)", call("J", W, b)),
])
def test_function_calls(text, expected):
    parses_to(text, expected)


@pytest.mark.parametrize("text, expected", [
    ("\\sigma(z)", call("sigma", Sym("z"))),
    ("\\sigma'(z)", call("sigma'", Sym("z"))),
    ("\\tanh(z)", call("tanh", Sym("z"))),
    ("\\exp(-z)", call("exp", Neg(Sym("z")))),
    ("e^{-z}", call("exp", Neg(Sym("z")))),
    ("e^z", call("exp", Sym("z"))),
    ("\\log(a)", call("log", Sym("a"))),
    ("\\ln(a)", call("log", Sym("a"))),
    ("\\frac{1}{1+e^{-z}}", Frac(one, Add((one, call("exp", Neg(Sym("z"))))))),
])
def test_activation_functions_are_calls(text, expected):
    parses_to(text, expected)


def test_sum_body_is_the_rest_of_the_product_term():
    body = Mul((sym("W", j, i, sup=l), sym("delta", j, sup=l_plus_1), call("f'", sym("z", i, sup=l))))
    parses_to("\\sum_{j=1}^{s_{l+1}} W_{ji}^l \\delta_j^{l+1} f'(z_i^l) + b_i",
              Add((Sum(j, one, sym("s", l_plus_1), body), sym("b", i))))


@pytest.mark.parametrize("text, expected", [
    ("\\sum\\limits_{i=1}^{m} J(W,b;x^{(i)},y^{(i)})",
     Sum(i, one, m, call("J", W, b, sym("x", sample=i), sym("y", sample=i), semicolon=True))),
    ("\\sum_{i=1}^m x_i", Sum(i, one, m, sym("x", i))),
    ("\\sum_{i=1}^{s_l} a_i", Sum(i, one, sym("s", l), sym("a", i))),
    ("\\sum^{m}_{i=1} a_i", Sum(i, one, m, sym("a", i))),
    ("\\sum_{l=1}^{n_l-1} W^l", Sum(l, one, nl_minus_1, sym("W", sup=l))),
    ("\\sum_i a_i", Sum(i, None, None, sym("a", i))),
    ("\\sum a", Sum(None, None, None, Sym("a"))),
    ("\\sum_j -y_j", Sum(j, None, None, Neg(sym("y", j)))),
])
def test_sum_forms(text, expected):
    parses_to(text, expected)


def test_nested_sums_and_the_regulariser():
    square = Pow(sym("W", j, i, sup=l), two)
    inner = Sum(l, one, nl_minus_1, Sum(i, one, sym("s", l), Sum(j, one, sym("s", l_plus_1), square)))
    parses_to("\\frac{\\lambda}{2}\\sum_{l=1}^{n_l-1}\\sum_{i=1}^{s_l} \\sum_{j=1}^{s_{l+1}}(W_{ji}^l)^2",
              Mul((Frac(lam, two), inner)))


def test_derivative_operator_applies_to_the_rest_of_the_term():
    wrt = sym("W", i, j, sup=l)
    parses_to("\\frac{\\partial}{\\partial W_{ij}^l}J(W,b) + \\lambda W_{ij}^l",
              Add((Derivative(wrt, call("J", W, b)), Mul((lam, wrt)))))
    parses_to("\\frac{\\partial}{\\partial z_i^{n_l} } \\frac{1}{2} \\Vert y- h_{W,b}(x)\\Vert^2",
              Derivative(sym("z", i, sup=nl),
                         Mul((Frac(one, two), Pow(Norm(Add((y, Neg(call("h", x, sub=(W, b)))))), two)))))


@pytest.mark.parametrize("text, expected", [
    ("\\frac{\\partial J(W,b)}{\\partial b_i^l}", Derivative(sym("b", i, sup=l), call("J", W, b))),
    ("\\frac{\\partial z_j^{n_l}}{\\partial z_i^{n_l-1}}",
     Derivative(sym("z", i, sup=nl_minus_1), sym("z", j, sup=nl))),
    ("\\frac{\\partial f(z_j^{n_l}) }{\\partial z_i^{n_l-1}}",
     Derivative(sym("z", i, sup=nl_minus_1), call("f", sym("z", j, sup=nl)))),
    ("\\frac{\\partial}{\\partial b_{i}^l}", Derivative(sym("b", i, sup=l), None)),
])
def test_derivative_with_a_numerator_or_standing_alone(text, expected):
    parses_to(text, expected)


def test_derivative_with_numerator_is_one_factor():
    parses_to("\\delta_j \\frac{\\partial z_j}{\\partial z_i} W",
              Mul((sym("delta", j), Derivative(sym("z", i), sym("z", j)), W)))


@pytest.mark.parametrize("text", [
    "\\Vert x-y \\Vert", "\\Vert{x-y}\\Vert", "\\|x-y\\|", "\\left\\| x-y \\right\\|",
    "\\lVert x-y \\rVert", "\\left\\Vert x-y\\right\\Vert", "\\bigl\\| x-y \\bigr\\|",
])
def test_norm_spellings(text):
    parses_to(text, Norm(Add((x, Neg(y)))))
    parses_to(text + "^2", Pow(Norm(Add((x, Neg(y)))), two))


def test_norm_inside_a_call_inside_a_norm():
    parses_to("\\| f(\\|x\\|) \\|", Norm(call("f", Norm(x))))


@pytest.mark.parametrize("text", [
    "a\\cdot b", "a\\times b", "a * b", "a\\,b", "a\\;b", "a\\!b", "a\\quad b", "a~b", "\\displaystyle a b",
    "a b \\nonumber", "a b \\label{eq:1}", "a b,", "a b.", "\\left( a \\right) b", "\\Big( a \\Big) b",
    "\\biggl[ a \\biggr] b", "\\{ a \\} b", "{a}{b}", "[a] b", "\\left[ a b \\right]", "a\\qquad\\qquad b",
])
def test_spacing_sizing_labels_and_brackets_leave_only_the_product(text):
    parses_to(text, Mul((Sym("a"), b)))


@pytest.mark.parametrize("text, expected", [
    ("\\lambda W_{ij}^l", Mul((lam, sym("W", i, j, sup=l)))),
    ("2x", Mul((two, x))),
    ("a_j^l\\delta_i^{l+1}", Mul((sym("a", j, sup=l), sym("delta", i, sup=l_plus_1)))),
    ("(a+b)(a-b)", Mul((Add((Sym("a"), b)), Add((Sym("a"), Neg(b)))))),
    ("x (y)", Mul((x, y))),
])
def test_implicit_multiplication_by_juxtaposition(text, expected):
    parses_to(text, expected)


@pytest.mark.parametrize("text, expected", [
    ("a-b", Add((Sym("a"), Neg(b)))),
    ("-a b", Neg(Mul((Sym("a"), b)))),
    ("-(y_i-a_i)f'(z_i)", Neg(Mul((Add((sym("y", i), Neg(sym("a", i)))), call("f'", sym("z", i)))))),
    ("a - -b", Add((Sym("a"), b))),
    ("a + (b + x)", Add((Sym("a"), b, x))),
    ("a/b/x", Frac(Sym("a"), Mul((b, x)))),
    ("0.5x", Mul((Num(Fraction(1, 2)), x))),
    ("(W_{ji}^l)^2", Pow(sym("W", j, i, sup=l), two)),
    ("\\lambda^2", Pow(lam, two)),
    ("m^{2}", Pow(Sym("m"), two)),
])
def test_signs_division_decimals_and_powers(text, expected):
    parses_to(text, expected)


def test_chain_continuation_and_bare_rows():
    assert parse_equation("a = b = x") == Relation(Sym("a"), (b, x))
    assert parse_equation("= -(y_i -a_i^{n_l})f'(z_i^{n_l})") == Relation(None, (
        Neg(Mul((Add((sym("y", i), Neg(sym("a", i, sup=nl)))), call("f'", sym("z", i, sup=nl))))),))
    assert parse_equation("h_{W,b}(x)") == Relation(call("h", x, sub=(W, b)), ())


def test_seed_hidden_recurrence_row():
    row = "= \\sum_{j=1}^{S_{n_l}}\\left( \\delta_j^{n_l} W_{ji}^{n_l-1}  \\right) f'(z_i^{n_l-1})"
    body = Mul((sym("delta", j, sup=nl), sym("W", j, i, sup=nl_minus_1), call("f'", sym("z", i, sup=nl_minus_1))))
    assert parse_equation(row) == Relation(None, (Sum(j, one, sym("S", nl), body),))


def test_seed_forward_pass_rows():
    assert parse_equation("z^{l+1}=W^la^l+b^l") == Relation(
        sym("z", sup=l_plus_1), (Add((Mul((sym("W", sup=l), sym("a", sup=l))), sym("b", sup=l))),))
    assert parse_equation("a^{l+1}=f(z^{l+1})") == Relation(sym("a", sup=l_plus_1),
                                                            (call("f", sym("z", sup=l_plus_1)),))


def test_every_seed_row_parses_and_prints_back(seed_text):
    rows = [r for block in display_equations(seed_text) for r in block.rows]
    assert len(rows) == 26
    for row in rows:
        relation = parse_equation(row.text)
        assert parse_equation(str(relation)) == relation, row


@pytest.mark.parametrize("text, message", [
    ("\\foo + x", "unknown macro \\foo at column 1"),
    ("\\cdots", "expected an expression, found '\\cdots' at column 1"),  # an ellipsis outside columns
    ("(a+b", "unclosed '(' at column 1"),
    ("a+b)", "unmatched ')' at column 4"),
    ("(a]", "'(' at column 1 closed by ']' at column 3"),
    ("\\left( a \\right]", "'(' at column 6 closed by ']'"),
    ("{a", "unclosed '{'"),
    ("\\Vert a", "unclosed '\\Vert'"),
    ("a =", "expected an expression, found end of row"),
    ("a == b", "expected an expression, found '='"),
    ("a^{l}^{2}", "double superscript"),
    ("a_i_j", "double subscript"),
    ("x^", "expected an argument after '^'"),
    ("x^(l)", "expected an argument after '^', found '('"),
    ("f'", "expected '(' after f'"),
    ("\\exp x y", "write the argument of \\exp in parentheses ('y' follows x) at column 8"),
    ("f^{(l)}(z)", "f^{(l)}: a parenthesised superscript on a function"),
    ("\\sum", "\\sum without a body"),
    ("\\sum_{1} x", "summation index 1 is not a letter"),
    ("\\frac{\\partial}{\\partial f(x)} y", "derivative with respect to f(x)"),
    ("\\frac{\\partial J}{x}", "expected {\\partial <symbol>} as denominator"),
    ("\\frac{\\partial^2 J}{\\partial x^2}", "higher-order derivatives are not supported"),
    ("\\partial x", "found '\\partial'"),
    ("|x|", "absolute value"),
    ("a \\\\ b", "unexpected row break"),
    ("(x_1,y_1)", "unexpected ',' at column 5, inside '(' opened at column 1"),
    ("é", "unexpected character 'é' at column 1"),
])
def test_errors_are_one_line_and_say_what_and_where(text, message):
    with pytest.raises(ParseError) as caught:
        parse_equation(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("opener, closer", [
    ("{", "}"), ("(", ")"), ("x^{", "}"), ("\\frac{", "}{2}"), ("f(", ")"), ("\\sum ", ""),
    ("\\frac{\\partial}{\\partial x} ", ""), ("\\lVert ", "\\rVert"), ("h_{", "}x"),
])
def test_nesting_is_capped_at_200_for_every_construct(opener, closer):
    parse_expression(opener * 200 + "y" + closer * 200)
    with pytest.raises(ParseError, match=r"^nesting deeper than 200$"):
        parse_expression(opener * 10_000 + "y" + closer * 10_000)


LATEXISH = [
    "\\frac", "{", "}", "(", ")", "[", "]", "\\left", "\\right", "\\sum", "_", "^", "=", "+", "-", "x", "W", "a",
    "\\delta", "\\partial", "\\Vert", "\\|", "\\lVert", "\\rVert", "1", "12", "0.5", "'", "f", "J", ",", ";", "/",
    "\\cdot", "\\{", "\\}", "\\\\", "&", "%", "$", "|", "\\foo", "\\lambda", "e", "n", "l", "i", " ", "\\limits",
    "\\label{x}", "\\label", "~", "\\,", "h", "\\exp", "\\sigma", "\\prime", "s", "y", ".", "*", "\\left.", "\\big",
]


def test_random_latexish_strings_raise_only_parse_error():
    rng = random.Random(20240607)
    parsed = 0
    for _ in range(3000):
        text = "".join(rng.choice(LATEXISH) for _ in range(rng.randint(0, 25)))
        for parse in (parse_equation, parse_expression):
            try:
                result = parse(text)
            except ParseError as error:
                assert "\n" not in str(error)
            else:
                parsed += 1
                assert parse(str(result)) == result, text
    assert parsed > 50  # the fuzz reaches the parser, not only the tokenizer


def test_random_bytes_raise_only_parse_error():
    rng = random.Random(7)
    for _ in range(3000):
        text = bytes(rng.randrange(256) for _ in range(rng.randint(0, 40))).decode("latin-1")
        try:
            result = parse_equation(text)
        except ParseError as error:
            assert "\n" not in str(error)
        else:
            assert parse_equation(str(result)) == result, text
