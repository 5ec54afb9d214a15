"""`PATH[=ISO_PATH]` arguments (the CLI's burn, --add, remaster) turned into stage entries."""

from __future__ import annotations

import os
from collections.abc import Iterable

from app.stage.model import Stage
from app.stage.names import display


def split_spec(spec: str) -> tuple[str, str | None]:
    """`PATH=ISO_PATH` -> (PATH, ISO_PATH); an '=' not followed by '/' belongs to the name."""
    cut = spec.rfind("=/")
    if cut <= 0:
        return spec, None
    return spec[:cut], spec[cut + 1 :]


def stage_from_specs(specs: Iterable[str], stage: Stage | None = None) -> Stage:
    """Add each PATH[=ISO_PATH] to a stage (ValueError/OSError with a clear message)."""
    stage = stage or Stage()
    for spec in specs:
        disk, iso = split_spec(spec)
        if not os.path.lexists(disk):
            raise ValueError(f"{display(disk)} does not exist")
        if iso is None:
            stage.add(disk, "/")
        else:
            parent, _, name = iso.rstrip("/").rpartition("/")
            stage.add(disk, parent or "/", name or None)
    for _progress in stage.scan("/"):
        pass
    return stage
