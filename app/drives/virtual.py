"""Virtual recorders: image files used as xorriso `stdio:` pseudo-drives.

xorriso reports the host disk's free space as a stdio: medium's, so each recorder carries
a nominal medium type and capacity that discdeck shows and enforces instead.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from app.config import ensure_dir, recorders_dir
from app.engine.address import parse_address
from app.engine.errors import EngineError

NOMINAL_MEDIA: dict[str, int] = {
    "CD 700 MB": 359_846,
    "DVD 4.7 GB": 2_295_104,
    "DVD DL 8.5 GB": 4_173_824,
    "BD 25 GB": 12_219_392,
    "BD DL 50 GB": 24_438_784,
}
"""Nominal media a virtual recorder can pretend to hold, in 2048-byte blocks."""

_CUSTOM = re.compile(r"^(\d+(?:\.\d+)?) (MB|GB)$")


def nominal_blocks(medium: str) -> int:
    """Blocks of a nominal medium: one of NOMINAL_MEDIA, or a size like "100 MB" (decimal,
    as disc makers count) for rehearsals and small tests."""
    if medium in NOMINAL_MEDIA:
        return NOMINAL_MEDIA[medium]
    match = _CUSTOM.match(medium)
    if not match:
        raise KeyError(medium)
    factor = 1_000_000 if match.group(2) == "MB" else 1_000_000_000
    return int(float(match.group(1)) * factor) // 2048


DEFAULT_MEDIUM = "DVD 4.7 GB"
DEFAULT_NAME = "virtual-dvd"


@dataclass
class VirtualRecorder:
    name: str
    image: str
    medium: str = DEFAULT_MEDIUM
    capacity_blocks: int = NOMINAL_MEDIA[DEFAULT_MEDIUM]

    @property
    def address(self) -> str:
        return f"stdio:{self.image}"

    @property
    def label(self) -> str:
        return f"{self.name} (virtual {self.medium})"


def _write_json(path: Path, data: dict[str, object]) -> None:
    """Atomic write: a crash leaves the old file or the new one, never half of one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
    os.replace(tmp, path)


def load_recorders(folder: Path | None = None) -> list[VirtualRecorder]:
    """Every recorder in the data dir (or the media of `folder`, the shelf); a broken
    sidecar falls back to the defaults."""
    folder = folder or recorders_dir()
    if not folder.is_dir():
        return []
    recorders = []
    for image in sorted(folder.glob("*.iso")):
        recorder = VirtualRecorder(name=image.stem, image=str(image))
        sidecar = image.with_suffix(".json")
        try:
            data = json.loads(sidecar.read_text(encoding="utf-8"))
            medium = str(data.get("medium", DEFAULT_MEDIUM))
            recorder.medium = medium
            recorder.capacity_blocks = int(
                data.get("capacity_blocks", NOMINAL_MEDIA.get(medium, 0))
            )
        except (OSError, ValueError, TypeError, AttributeError):
            pass
        recorders.append(recorder)
    return recorders


def recorder_for(address: str) -> VirtualRecorder | None:
    """The virtual recorder `address` names, if any: its nominal medium then applies, in
    the CLI as in the app, instead of the host disk's free space xorriso reports."""
    try:
        parsed = parse_address(address)
    except EngineError:
        return None
    if parsed.kind != "stdio" or parsed.remote is not None:
        return None
    image = os.path.realpath(parsed.path)
    known = [*load_recorders(), *load_recorders(recorders_dir() / "shelf")]
    return next((r for r in known if os.path.realpath(r.image) == image), None)


def create_recorder(name: str, medium: str = DEFAULT_MEDIUM) -> VirtualRecorder:
    """A new recorder holding a blank medium (an empty image file)."""
    folder = ensure_dir(recorders_dir())
    image = folder / f"{name}.iso"
    image.touch(exist_ok=True)
    recorder = VirtualRecorder(name, str(image), medium, nominal_blocks(medium))
    data = asdict(recorder)
    data.pop("image")
    _write_json(image.with_suffix(".json"), data)
    return recorder


def ensure_default_recorder() -> list[VirtualRecorder]:
    """On first run make one blank virtual DVD recorder so there is always a drive."""
    recorders = load_recorders()
    if not recorders:
        recorders = [create_recorder(DEFAULT_NAME)]
    return recorders
