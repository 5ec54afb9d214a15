"""xorriso's event severities and discdeck's policy of which ones fail an operation.

xorriso's own exit code is not enough: a vanished source file is only a MISHAP and the
write still "completed successfully" (zeros on the disc), so each operation kind names the
severity at which discdeck calls it failed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

SEVERITIES = (
    "ALL",
    "ERRFILE",
    "DEBUG",
    "UPDATE",
    "NOTE",
    "HINT",
    "WARNING",
    "SORRY",
    "MISHAP",
    "FAILURE",
    "FATAL",
    "ABORT",
    "NEVER",
)
_RANK = {name: i for i, name in enumerate(SEVERITIES)}

OperationKind = Literal["inspect", "write", "check", "blank", "format", "eject"]

FAIL_AT: dict[OperationKind, str] = {
    "inspect": "FAILURE",
    "write": "MISHAP",
    "check": "SORRY",
    "blank": "SORRY",
    "format": "SORRY",
    "eject": "FAILURE",
}
"""Worst severity that makes each kind of operation a failure."""


def rank(severity: str) -> int:
    return _RANK.get(severity, 0)


def worse(a: str, b: str) -> str:
    return a if rank(a) >= rank(b) else b


def fails(severity: str, kind: OperationKind) -> bool:
    return rank(severity) >= rank(FAIL_AT[kind])


_EVENT = re.compile(r"^(\S*xorriso|libisofs|libburn|libisoburn|discdeck)\s*: ([A-Z]+) : (.*)$")
"""`discdeck : FAILURE : ...`: what discdeck itself says in a job's output (a remote job's
cut stream, an unreachable host), judged like xorriso's own words."""


@dataclass(frozen=True)
class Event:
    """One `origin : SEVERITY : text` message."""

    origin: str
    severity: str
    text: str


def parse_event(line: str) -> Event | None:
    match = _EVENT.match(line)
    if not match or match.group(2) not in _RANK:
        return None
    origin, severity, text = match.groups()
    return Event(origin.rsplit("/", 1)[-1], severity, text.strip())
