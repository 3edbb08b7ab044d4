"""Splits configuration text (or one API command line) into tokens that remember where they start.

Rules (ExaBGP's): whitespace separates words; `{ } ; [ ] ( ) ,` are tokens of their own wherever they
appear (so `[1:1,2:2]` is `[ 1:1 , 2:2 ]`); `#` starts a comment running to the end of the line; a
backslash ending a line joins it with the next; `"..."` and `'...'` are single tokens understanding
`\\n \\t \\r \\b \\f \\uXXXX` and backslash-quoting.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from aiobgp.config.model import ConfigError, Position

PUNCTUATION = frozenset("{};[](),")


class Token(NamedTuple):
    """One word or punctuation mark; `quoted` tells a quoted string (never punctuation) apart."""

    text: str
    line: int
    column: int
    file: str = "<api>"
    quoted: bool = False

    @property
    def position(self) -> Position:
        return Position(self.file, self.line, self.column)

    def error(self, message: str) -> ConfigError:
        """A ConfigError located on this token."""
        return ConfigError(message, self.position, self.text)

    def is_punct(self, mark: str) -> bool:
        return self.text == mark and not self.quoted


_SCANNER_TEMPLATE = r"""
      (?P<space>(?:[ \t\r\f\v]+|\\[ \t]*(?:\r?\n|\Z))+)
    | (?P<newline>\n+)
    COMMENT
    | (?P<punct>[{};\[\](),])
    | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    | (?P<word>(?:[^\s{};\[\](),"'HASH\\]|\\(?![ \t]*(?:\r?\n|\Z)))+)
    | (?P<bad>["'])
    """
# configuration files: `#` starts a comment; API command lines: `#` is an ordinary character
_SCANNER = re.compile(
    _SCANNER_TEMPLATE.replace("COMMENT", r"| (?P<comment>\#[^\n]*)").replace("HASH", r"\#"), re.VERBOSE
)
_LINE_SCANNER = re.compile(_SCANNER_TEMPLATE.replace("COMMENT", "").replace("HASH", ""), re.VERBOSE)

_PLAIN = re.compile(r"[{};\[\](),]|[^\s{};\[\](),]+")
_SKIPPED = frozenset({"space", "newline", "comment"})
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)")


def _unescape(body: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if len(code) == 5:
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, code)

    return _ESCAPE.sub(replace, body) if "\\" in body else body


def tokenize(text: str, filename: str = "<string>", comments: bool = True) -> list[Token]:
    """All tokens of `text`; raises ConfigError on an unterminated quoted string.

    With `comments` false, `#` is an ordinary character (API command lines)."""
    tokens: list[Token] = []
    append = tokens.append
    scanner = _SCANNER if comments else _LINE_SCANNER
    count = text.count
    line = 0  # 0-based line number of `seen`, the start of the last token
    seen = begins = 0  # `begins`: where the line of `seen` begins
    for match in scanner.finditer(text):
        kind = match.lastgroup
        if kind in _SKIPPED:
            continue
        start = match.start()
        newlines = count("\n", seen, start)
        if newlines:
            line += newlines
            begins = text.rfind("\n", seen, start) + 1
        seen = start
        column = start - begins + 1
        if kind == "string":
            append(Token(_unescape(match.group()[1:-1]), line + 1, column, filename, True))
        elif kind == "bad":
            position = Position(filename, line + 1, column)
            raise ConfigError("unterminated quoted string", position, match.group())
        else:
            append(Token(match.group(), line + 1, column, filename))
    return tokens


def tokenize_line(line: str, filename: str = "<api>") -> list[Token]:
    """Tokens of one API command line, with ExaBGP's normalisation (surrounding blanks and tabs are
    separators, brackets and commas are separate tokens); `#` is not a comment inside a command."""
    if "\n" in line:
        line = line.replace("\r", "").replace("\n", " ")
    if '"' in line or "'" in line or "\\" in line:
        return tokenize(line.replace("\t", " "), filename, comments=False)
    # the common case, without quotes or backslashes: one cheap regular expression
    return [Token(match.group(), 1, match.start() + 1, filename) for match in _PLAIN.finditer(line)]
