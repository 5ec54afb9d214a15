"""ISO 9660 dates: the 7-byte directory record form and the 17-byte descriptor form.

Pure decoding; a date that cannot be a date (all zeros, month 13) is None, never an error.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache


@lru_cache(maxsize=128)
def _zone(offset: int) -> timezone:
    """Time zone of a GMT offset in 15-minute units (UTC when out of range)."""
    return timezone(timedelta(minutes=15 * offset)) if -48 <= offset <= 52 else UTC


_NO_DATE = bytes(6)


def decode_date7(raw: bytes) -> datetime | None:
    """The 7-byte directory record date (years since 1900 ... GMT offset in 15 min)."""
    if len(raw) < 7 or raw[:6] == _NO_DATE:
        return None
    year, month, day, hour, minute, second, offset = raw[:7]
    try:
        zone = _zone(offset - 256 if offset > 127 else offset)
        return datetime(1900 + year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:
        return None


def decode_date17(raw: bytes) -> datetime | None:
    """The 17-byte descriptor date ("YYYYMMDDhhmmsscc" digits + GMT offset)."""
    if len(raw) < 17 or raw[:4] in (b"0000", b"\0\0\0\0", b"    "):
        return None
    try:
        digits = raw[:16].decode("ascii")
        tz = _zone(struct.unpack("b", raw[16:17])[0])
        return datetime(
            int(digits[0:4]), int(digits[4:6]), int(digits[6:8]),
            int(digits[8:10]), int(digits[10:12]), int(digits[12:14]),
            int(digits[14:16]) * 10_000, tzinfo=tz,
        )  # fmt: skip
    except (ValueError, UnicodeDecodeError):
        return None
