"""Tokenizer: words, punctuation, quoting, comments, continuation lines and exact positions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiobgp.config.model import ConfigError
from aiobgp.config.tokenizer import Token, tokenize, tokenize_line


def words(text: str) -> list[str]:
    return [token.text for token in tokenize(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a b;", ["a", "b", ";"]),
        ("community [1:1,2:2];", ["community", "[", "1:1", ",", "2:2", "]", ";"]),
        ("as-path [ 1 2 ] ( 3 4 );", ["as-path", "[", "1", "2", "]", "(", "3", "4", ")", ";"]),
        ("x{y;}", ["x", "{", "y", ";", "}"]),
        ("a # comment ; {\nb;", ["a", "b", ";"]),
        ("a \\\n  b;", ["a", "b", ";"]),
        ("a \\   \n  b;", ["a", "b", ";"]),
        ("path a\\b;", ["path", "a\\b", ";"]),
        ("\t  \n", []),
        ("=80 >8080&<8088 !=tcp", ["=80", ">8080&<8088", "!=tcp"]),
    ],
)
def test_words(text: str, expected: list[str]) -> None:
    assert words(text) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('"a quagga test peer"', "a quagga test peer"),
        ("'single quoted'", "single quoted"),
        (r'"tab\there"', "tab\there"),
        (r'"line\nbreak\r\b\f"', "line\nbreak\r\b\f"),
        (r'"\u0041\u00e9"', "Aé"),
        (r'"say \"hi\""', 'say "hi"'),
        (r'"back\\slash"', "back\\slash"),
        ('"# not a comment ; {"', "# not a comment ; {"),
    ],
)
def test_quoted(text: str, value: str) -> None:
    (token,) = tokenize(text)
    assert token.text == value
    assert token.quoted


def test_quoted_brace_is_not_punctuation() -> None:
    (token,) = tokenize('"{"')
    assert not token.is_punct("{")
    assert tokenize("{")[0].is_punct("{")


def test_positions_across_lines_and_continuations() -> None:
    text = "neighbor 127.0.0.1 {\n\tlocal-as 65000;\n  route 10.0.0.0/8 \\\n      med 5;\n}\n"
    tokens = tokenize(text, "f.conf")
    table = {(t.text, t.line, t.column) for t in tokens}
    assert ("neighbor", 1, 1) in table
    assert ("{", 1, 20) in table
    assert ("local-as", 2, 2) in table
    assert ("65000", 2, 11) in table
    assert ("route", 3, 3) in table
    assert ("med", 4, 7) in table  # the continued line keeps its own line number
    assert ("5", 4, 11) in table
    assert ("}", 5, 1) in table
    assert all(t.file == "f.conf" for t in tokens)
    assert str(tokens[0].position) == "f.conf:1:1"


def test_unterminated_string() -> None:
    with pytest.raises(ConfigError) as caught:
        tokenize('a;\n  description "oops;\n', "t.conf")
    assert str(caught.value) == "t.conf:2:15: unterminated quoted string (at '\"')"


def test_tokenize_line_normalises_like_exabgp() -> None:
    tokens = tokenize_line("\tannounce route 1.0.0.0/24 community [1:1,2:2]\n")
    assert [t.text for t in tokens] == [
        "announce",
        "route",
        "1.0.0.0/24",
        "community",
        "[",
        "1:1",
        ",",
        "2:2",
        "]",
    ]
    assert tokens[0] == Token("announce", 1, 2, "<api>")


def test_tokenize_line_keeps_hash() -> None:
    assert [t.text for t in tokenize_line("name a#b")] == ["name", "a#b"]


def test_token_error() -> None:
    error = Token("oops", 3, 7, "x.conf").error("bad thing")
    assert str(error) == "x.conf:3:7: bad thing (at 'oops')"
    assert error.token == "oops"
    assert error.message == "bad thing"


@pytest.mark.parametrize(
    "line",
    [
        "neighbor 127.0.0.1 announce route 1.0.0.0/24 next-hop self community [1:1,2:2]",
        "\tannounce flow route { match { source 10.0.0.1/32; } then { discard; } }",
        "announce attributes as-path [100, 500] nlri 1.0.0.0/24 2.0.0.0/24\r",
    ],
)
def test_tokenize_line_fast_path_matches_full_scanner(line: str) -> None:
    assert tokenize_line(line) == tokenize(line.replace("\t", " ").rstrip("\r"), "<api>", comments=False)


def test_tokenize_line_with_quotes() -> None:
    tokens = tokenize_line('operational asm advisory "Thank you; {for} peering"')
    assert tokens[-1] == Token("Thank you; {for} peering", 1, 26, "<api>", True)


@given(st.text(alphabet=" \t\r\n{};[](),#ab1.\\", max_size=300))
def test_positions_point_at_the_tokens(text: str) -> None:
    """Every token's line and column lead back to its text, however many lines precede it."""
    lines = text.split("\n")
    for token in tokenize(text):
        assert lines[token.line - 1][token.column - 1 :].startswith(token.text)
