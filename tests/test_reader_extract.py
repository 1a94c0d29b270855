"""Finding display equations: the seed post, Markdown and LaTeX forms, hostile input, file reading."""

from pathlib import Path

import pytest

from derive.errors import ReadError
from derive.reader import Block, Row, display_equations, parse_equation, read_text


@pytest.fixture(scope="module")
def seed_blocks(seed_path) -> list[Block]:
    return display_equations(read_text(seed_path))


def test_seed_blocks_are_found_at_their_opening_lines(seed_blocks):
    assert [(b.start_line, b.env) for b in seed_blocks] == [
        (11, "$$"), (17, "$$"), (25, "align*"), (37, "$$"), (44, "align*"), (59, "align*"), (81, "$$"),
    ]
    assert all(b.error is None for b in seed_blocks)


def test_seed_rows_and_continuations_match_the_post(seed_blocks):
    shape = [[(r.line, r.continues) for r in b.rows] for b in seed_blocks]
    assert shape == [
        [(12, False)],                                  # J(W,b,x,y) = 1/2 ||h - y||^2
        [(18, False), (19, False)],                     # forward pass
        [(27, False), (29, True)],                      # regularised loss, each row spans two lines
        [(38, False), (39, False)],                     # full gradients
        [(46, False)] + [(n, True) for n in (47, 48, 49, 50, 51)],   # delta^{n_l}: 6 rows
        [(61, False)] + [(n, True) for n in (62, 62, 63, 65, 67, 68, 69, 70, 71, 72)],  # 11 rows
        [(82, False), (83, False)],                     # per-sample gradients; trailing \\ dropped
    ]


def test_seed_row_starting_mid_line_after_a_row_break(seed_blocks):
    second, third = seed_blocks[5].rows[1:3]
    assert second.line == third.line == 62
    assert second.text.startswith("=\\frac{\\partial}{\\partial z_i^{n_l-1} } \\frac{1}{2} \\Vert")
    assert third.text.startswith("=\\frac{\\partial}{\\partial z_i^{n_l-1} } \\frac{1}{2} \\sum")


def test_seed_rows_lose_their_alignment_marks(seed_blocks):
    rows = [r for b in seed_blocks for r in b.rows]
    assert not any("&" in r.text for r in rows)
    # & becomes a space, so "\\lambda&x" could never turn into the macro "\\lambdax"
    assert seed_blocks[4].rows[0].text == "\\delta_i^{n_l} =\\frac{\\partial}{\\partial z_i^{n_l} } J(W,b;x,y)"
    assert seed_blocks[4].rows[5].text == "= -(y_i -a_i^{n_l})f'(z_i^{n_l})"


def test_every_seed_row_parses_and_continuations_have_no_lhs(seed_blocks):
    rows = [r for b in seed_blocks for r in b.rows]
    assert len(rows) == 26
    for row in rows:
        relation = parse_equation(row.text)
        assert (relation.lhs is None) == row.continues, row
        assert relation.rhs, row


def test_seed_inline_math_in_prose_is_not_returned(seed_blocks):
    inline_lines = {8, 9, 22, 42, 57}
    assert not inline_lines & {r.line for b in seed_blocks for r in b.rows}


def test_bracket_display_and_top_level_environments():
    text = "\\[ a = b \\]\n\\begin{equation}\nz = 1\n\\end{equation}\n\\begin{gather*} c = 2 \\end{gather*}\n"
    blocks = display_equations(text)
    assert [(b.start_line, b.env, [r.text for r in b.rows]) for b in blocks] == [
        (1, "\\[", ["a = b"]), (2, "equation", ["z = 1"]), (5, "gather*", ["c = 2"]),
    ]


def test_environment_filling_a_dollar_block_names_it():
    blocks = display_equations("$$\n\\begin{align}\na &= b \\\\\n& = c\n\\end{align}\n$$\n")
    assert blocks == [Block(1, "align", (Row(3, "a  = b"), Row(4, "= c", continues=True)))]


def test_split_inside_equation_is_unwrapped():
    blocks = display_equations("\\begin{equation}\\begin{split} a &= b \\\\ &= c \\end{split}\\end{equation}")
    assert [b.env for b in blocks] == ["split"]
    assert [r.continues for r in blocks[0].rows] == [False, True]


def test_continuation_flag_only_in_align_like_environments():
    blocks = display_equations("$$\na = b \\\\\n= c\n$$\n\\begin{align*} a &= b \\\\ &= c \\end{align*}")
    assert [[r.continues for r in b.rows] for b in blocks] == [[False, False], [False, True]]


def test_row_breaks_inside_braces_do_not_split():
    blocks = display_equations("$$\n\\frac{a \\\\ b}{c} = d \\\\ e = f\n$$")
    assert [r.text for r in blocks[0].rows] == ["\\frac{a \\\\ b}{c} = d", "e = f"]


def test_row_break_spacing_argument_and_comments_are_dropped():
    text = "\\begin{align}\na &= b \\\\[2pt] % note \\\\ c\n&= d % 50\\% of it\n\\end{align}"
    rows = display_equations(text)[0].rows
    assert [(r.line, r.text, r.continues) for r in rows] == [(2, "a  = b", False), (3, "= d", True)]


def test_escaped_backslash_and_dollar_are_not_delimiters():
    text = "costs \\$$ 5 and \\\\[ not math\n\\\\begin{equation} no \\\\end{equation}\n"
    assert display_equations(text) == []


def test_dollars_inside_a_line_are_inline_and_skipped():
    text = "Let $$n_l$$ be the layers and $$\\begin{align}x\\end{align}$$ inline.\n$$\na = b\n$$\n"
    assert [(b.start_line, [r.text for r in b.rows]) for b in display_equations(text)] == [(2, ["a = b"])]


def test_indented_dollars_open_a_display_block():
    assert display_equations("text\n   $$ y = 2 $$\n")[0].rows == (Row(2, "y = 2"),)


def test_fenced_code_is_skipped():
    text = "```latex\n$$\na = b\n$$\n```\n~~~\n\\[ c \\]\n~~~\n$$\nd = e\n$$\n"
    assert [r.text for b in display_equations(text) for r in b.rows] == ["d = e"]


def test_crlf_line_endings_keep_line_numbers():
    blocks = display_equations("intro\r\n\r\n$$\r\na = b \\\\\r\nc = d\r\n$$\r\n")
    assert [(r.line, r.text) for r in blocks[0].rows] == [(4, "a = b"), (5, "c = d")]


def test_unterminated_block_is_reported_not_raised():
    blocks = display_equations("$$\na = b\n$$\n\ntext\n$$\nc = d\n")
    assert blocks[0].rows == (Row(2, "a = b"),)
    assert blocks[1] == Block(6, "$$", (), "unterminated $$ block opened at line 6")


def test_unterminated_environment_names_it():
    [block] = display_equations("\n\\begin{align*}\na &= b\n")
    assert block.error == "unterminated \\begin{align*} block opened at line 2"


def test_empty_rows_and_unknown_environments_are_ignored():
    assert display_equations("$$\n \\\\ a = b \\\\ \\\\ \n$$")[0].rows == (Row(2, "a = b"),)
    assert display_equations("\\begin{document}\\begin{itemize} x \\end{itemize}") == []


# Ten megabytes, five times what a file may hold (2 MB): the scanner must still find every block, and only
# those. How long it takes is a figure for benchmarks, not a test (tests must pass on a slow, busy machine).


def test_ten_megabytes_of_prose_yield_every_display_block():
    sentence = "一段中文 prose with $$x_i$$ inline math, \\$5, a [link](http://x) and `code`.\n"
    paragraph = sentence * 8 + "\n```\n$$ not math $$\n```\n\n$$\na_j^l = f(z_j^l)\n$$\n\n"
    copies = 10_000_000 // len(paragraph.encode())
    blocks = display_equations(paragraph * copies)
    assert len(blocks) == copies
    assert all([r.text for r in b.rows] == ["a_j^l = f(z_j^l)"] and b.error is None for b in blocks)


def test_ten_megabytes_of_the_seed_yield_every_block_and_row(seed_path, seed_text):
    copies = 10_000_000 // seed_path.stat().st_size
    blocks = display_equations(seed_text * copies)  # 24,000 blocks and 90,000 rows
    assert len(blocks) == 7 * copies and blocks[-1].rows[-1].line == 83 + 89 * (copies - 1)


@pytest.mark.parametrize("text, error", [
    ("$$" * 5_000_000, None), ("{" * 10_000_000, None), ("\n" * 10_000_000, None), ("\\" * 10_000_000, None),
    ("$$\n" + "a\\\\{" * 2_500_000, "unterminated $$ block opened at line 1"),
    ("x \\[ y" * 1_600_000, "unterminated \\[ block opened at line 1"), ("\\$$" * 3_000_000, None),
], ids=["dollars", "braces", "newlines", "backslashes", "open-braces", "open-bracket", "escaped"])
def test_hostile_ten_megabytes_hold_no_equation(text, error):
    blocks = display_equations(text)
    assert [r for b in blocks for r in b.rows] == []
    assert [b.error for b in blocks if b.error] == ([error] if error else [])


def test_read_text_returns_utf8_without_bom(tmp_path):
    path = tmp_path / "post.md"
    path.write_bytes("\ufeff神经网络 $$a$$\n".encode())
    assert read_text(path) == "神经网络 $$a$$\n"


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing.md", "no such file"),
    (lambda d: d, "is a directory"),
    (lambda d: _write(d / "nul.md", b"abc\0def"), "binary file (contains NUL bytes)"),
    (lambda d: _write(d / "latin.md", "caf\xe9".encode("latin-1")), "not UTF-8 text (invalid byte at offset 3)"),
    (lambda d: _write(d / "big.md", b"a" * (10 * 2**20)), "file too large: 10.0 MB (limit 2 MB)"),
    (lambda d: _write(d / "file.md", b"x") / "child.md", "cannot read"),
])
def test_read_text_refuses_bad_files_in_one_line(tmp_path, make, message):
    with pytest.raises(ReadError) as caught:
        read_text(make(tmp_path))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
