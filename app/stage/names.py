"""ISO names and paths as the stage holds them: `str` in `os.fsdecode` form, checked once."""

from __future__ import annotations

import os


def display(text: str) -> str:
    """A printable form of a name or path: undecodable bytes shown as `\\xff`."""
    return os.fsencode(text).decode("utf-8", "backslashreplace")


def check_name(name: str) -> str:
    """`name` if it can be an ISO file name, else ValueError saying why."""
    if not isinstance(name, str):
        raise ValueError(f"a name must be text, not {type(name).__name__}")
    if name in ("", ".", ".."):
        raise ValueError(f"{name!r} cannot be a name")
    if "/" in name or "\0" in name:
        raise ValueError(f"{display(name)!r}: a name cannot contain '/' or NUL")
    try:
        os.fsencode(name)
    except UnicodeEncodeError:
        raise ValueError(f"{name!r}: not a file system name") from None
    return name


def split_path(iso_path: str) -> list[str]:
    """The names along an absolute ISO path ("/" gives []); ValueError for '.' or '..'."""
    parts = [part for part in iso_path.split("/") if part]
    if any(part in (".", "..") or "\0" in part for part in parts):
        raise ValueError(f"{display(iso_path)}: '.', '..' and NUL are not allowed in ISO paths")
    return parts


def join_path(parts: list[str]) -> str:
    return "/" + "/".join(parts)
