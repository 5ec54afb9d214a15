"""Arguments and lines made readable for people, on one screen line each.

An argv holds file names: bytes that are not UTF-8 (kept as surrogate escapes), newlines,
terminal escape codes. Shown as they are they break lines or the terminal; shown as JSON,
Cyrillic reads `\\u041f`. Here they become shell words: readable where they can be, `\\xff`
and `\\n` escapes where they cannot, quoted so that spaces show.
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
    """The argv as a shell would take it: one quoted word per argument, readable."""
    return " ".join(shlex.quote(readable(arg)) for arg in argv)
