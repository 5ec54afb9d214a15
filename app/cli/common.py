"""What every headless command shares: one line on stderr for every failure."""

from __future__ import annotations

import sys


def fail(message: str, code: int = 1) -> int:
    print(f"discdeck: {message}", file=sys.stderr)
    return code
