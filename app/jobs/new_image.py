"""The stage written to a new image file ("save as image", `burn --to-image`): an existing
file is replaced only when asked, and only if it is an image."""

from __future__ import annotations

import os
import secrets

from app.engine.address import overwrite_problem, parse_address


def fresh_image_problem(address: str, *, replace: bool) -> str | None:
    """An existing file at the new image's place: refused unless replacing an image."""
    path = parse_address(address).path
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return None
    if not replace:
        return f"{path} exists: choose another name, or replace it with --force"
    return overwrite_problem(path)


def planning_address(address: str) -> str:
    """A new image replaces the old one: plan it against an empty place, not on top of it."""
    folder = os.path.dirname(parse_address(address).path)
    return f"stdio:{os.path.join(folder, f'.discdeck-plan-{secrets.token_hex(4)}.iso')}"
