"""Saving and loading a stage as JSON (the autosave and saved projects).

Names and source paths are `str` in `os.fsdecode` form. Each is stored as readable text
(`name`, `source`; undecodable bytes shown as `\\xff`) and, when it is not plain UTF-8,
also as the exact bytes in base64 (`name_b64`, `source_b64`), which loading prefers.

Files are written atomically (a temp file in the same folder, fsync, `os.replace`) with
mode 0600. Loading a broken file raises StageFileError with a one-line message naming it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from app.config import ensure_dir, state_dir
from app.engine.options import USER_FIELDS, BurnOptions
from app.stage.model import BurnMark, Stage, StageNode
from app.stage.names import check_name

FORMAT = "discdeck-stage"
VERSION = 1


class StageFileError(Exception):
    """A stage file that cannot be read or is not a stage (one-line message)."""


def autosave_path() -> Path:
    return state_dir() / "stage.json"


def _put(data: dict[str, Any], key: str, text: str) -> None:
    raw = os.fsencode(text)
    data[key] = raw.decode("utf-8", "backslashreplace")
    try:
        raw.decode("utf-8", "strict")
    except UnicodeDecodeError:
        data[f"{key}_b64"] = base64.b64encode(raw).decode("ascii")


def _text(path: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    _put(data, "path", path)
    return data


def _get(data: dict[str, Any], key: str) -> str:
    if f"{key}_b64" in data:
        return os.fsdecode(base64.b64decode(data[f"{key}_b64"], validate=True))
    value = data[key]
    if not isinstance(value, str):
        raise TypeError(f"{key} is not text")
    return value


def _node_to_json(node: StageNode) -> dict[str, Any]:
    data: dict[str, Any] = {}
    _put(data, "name", node.name)
    if node.source is not None:
        _put(data, "source", node.source)
    data.update(
        is_dir=node.is_dir,
        is_link=node.is_link,
        size=node.size,
        files=node.files,
        scanned=node.scanned,
    )
    if node.errors:
        data["errors"] = [os.fsencode(e).decode("utf-8", "backslashreplace") for e in node.errors]
    if node.is_stage_dir:
        data["children"] = [_node_to_json(child) for child in node.sorted_children()]
    return data


def stage_to_json(stage: Stage) -> dict[str, Any]:

    return {
        "format": FORMAT,
        "version": VERSION,
        "volume_id": stage.volume_id,
        "options": {key: getattr(stage.options, key) for key in USER_FIELDS},
        "root": _node_to_json(stage.root),
        "burn_mark": asdict(stage.burn_mark) if stage.burn_mark else None,
        "removals": [_text(path) for path in stage.removals],
    }


def _node_from_json(data: dict[str, Any]) -> StageNode:

    if not isinstance(data, dict):
        raise TypeError("a node is not an object")
    source = _get(data, "source") if "source" in data or "source_b64" in data else None
    node = StageNode(
        name=_get(data, "name"),
        source=source,
        is_dir=bool(data.get("is_dir", source is None)),
        size=int(data.get("size", 0)),
        files=int(data.get("files", 0)),
        is_link=bool(data.get("is_link", False)),
        scanned=bool(data.get("scanned", True)),
        errors=[str(e) for e in data.get("errors", [])],
    )
    if source is None:
        node.is_dir = True
        for child_data in data.get("children", []):
            child = _node_from_json(child_data)
            check_name(child.name)
            if child.name in node.children:
                raise ValueError(f"duplicate name {child.name!r}")
            node.children[child.name] = child
    elif not os.path.isabs(source):
        raise ValueError("a source path is not absolute")
    return node


def stage_from_json(data: Any) -> Stage:

    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not a discdeck stage file")
    if data.get("version") != VERSION:
        raise ValueError(f"unknown stage file version {data.get('version')!r}")
    known = USER_FIELDS
    options = {k: v for k, v in dict(data.get("options", {})).items() if k in known}
    root = _node_from_json(data["root"])
    if root.source is not None:
        raise ValueError("the root is mapped")
    root.name = ""
    mark = data.get("burn_mark")
    burn_mark = BurnMark(**{k: str(mark[k]) for k in ("started", "volume_id", "address")}) if mark else None
    stage = Stage(str(data.get("volume_id", "DISCDECK")), root, BurnOptions(**options), burn_mark)
    for item in data.get("removals", []):
        stage.toggle_removal(_get(item, "path"))
    return stage


def save_stage(stage: Stage, path: Path) -> None:
    """Write `stage` to `path` atomically, mode 0600 (the folder is made if needed)."""
    path = Path(path)
    ensure_dir(path.parent)
    text = json.dumps(stage_to_json(stage), indent=1)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def load_stage(path: Path) -> Stage:
    """The stage saved at `path`, revalidated (vanished sources are marked missing).

    StageFileError for a file that is missing, unreadable, corrupt or not a stage.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise StageFileError(f"{path}: cannot read stage file ({exc.strerror or exc})") from None
    try:
        stage = stage_from_json(json.loads(raw.decode("utf-8")))
    except (
        ValueError,  # json.JSONDecodeError, UnicodeDecodeError, binascii.Error are ValueErrors
        TypeError,
        KeyError,
        AttributeError,
        RecursionError,
        binascii.Error,
    ) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StageFileError(f"{path}: not a valid stage file ({reason})") from None
    stage.revalidate()
    return stage
