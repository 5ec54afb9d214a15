"""What every headless command shares: one line on stderr for every failure."""

from __future__ import annotations

import argparse
import sys

from app.engine.options import check_speed


def fail(message: str, code: int = 1) -> int:
    print(f"discdeck: {message}", file=sys.stderr)
    return code


def speed_arg(text: str) -> str:
    """argparse's type for --speed: the one validator, its message as argparse's error."""
    try:
        return check_speed(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
