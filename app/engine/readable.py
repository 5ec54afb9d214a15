"""Arguments and lines made readable for people, on one screen line each.

An argv holds file names: bytes that are not UTF-8 (kept as surrogate escapes), newlines,
terminal escape codes. Shown as they are they break lines or the terminal; shown as JSON,
Cyrillic reads `\\u041f`. Here they become shell words: readable where they can be, `\\xff`
and `\\n` escapes where they cannot (bash's `$'...'`, so a pasted command is exact), quoted
so that spaces show.
"""

from __future__ import annotations

import shlex
import unicodedata
from collections.abc import Iterable

UNPRINTABLE = ("Cc", "Zl", "Zp")
"""Unicode categories shown as escapes: control characters and line or paragraph breaks."""


def printable(text: str) -> str:
    """`text` with control characters and line breaks as escapes (`\\n`, `\\x1b`)."""
    if text.isprintable():
        return text
    return "".join(_escape(ch) if unicodedata.category(ch) in UNPRINTABLE else ch for ch in text)


def _escape(ch: str) -> str:
    if ch in "\n\t\r":
        return repr(ch)[1:-1]
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def readable(arg: str) -> str:
    """One argument as text: undecodable bytes (surrogate escapes) as `\\xff`, controls escaped."""
    return printable(arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))


def shell_words(argv: Iterable[str]) -> str:
    """The argv as a shell would take it: one quoted word per argument, readable, and
    exact when pasted into bash (or zsh, ksh): an argument that needs escapes is written
    `$'...'`, whose `\\xff` is the byte itself (in plain quotes it would name a file
    called backslash-x-f-f)."""
    return " ".join(_shell_word(arg) for arg in argv)


def _shell_word(arg: str) -> str:
    if readable(arg) == arg:
        return shlex.quote(arg)
    out = []
    for ch in arg:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8 (a surrogate escape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch in "\\'":
            out.append("\\" + ch)
        elif unicodedata.category(ch) in UNPRINTABLE:
            out.append(_escape(ch))
        else:
            out.append(ch)
    return "$'" + "".join(out) + "'"
