"""The transfer-rate graph of a disc over the years: each check's read speed across the
medium, in units a person reads (position in MB or GB, speed as xorriso's "x" factor or
MB/s), ready for a plotting widget. Pure: no drawing here."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.engine.models import SECTOR
from app.engine.progress import SPEED_BASE

UNIT_NAMES = {"xC": "x CD", "xD": "x DVD", "xB": "x BD"}
"""xorriso's speed units as the y axis names them (1x DVD is 1.385 MB/s)."""


@dataclass(frozen=True)
class Series:
    label: str
    """When it was measured: "2026-11-30", or "11-30 14:05" when that day had more checks."""
    xs: list[float]
    ys: list[float]


@dataclass(frozen=True)
class Graph:
    x_label: str
    y_label: str
    x_max: float
    """The medium's end: the x axis spans the whole medium, not only what was read."""
    y_max: float
    series: list[Series] = field(default_factory=list)


LINES = 4
"""Curves drawn at most: the first check (how the disc read when new) and the latest ones."""


def speed_graph(checks: list[dict], medium_blocks: int | None = None) -> Graph:
    """One series per check that measured a speed (old checks may not have), the first and
    the latest LINES-1. Speeds are shown in the checks' own unit when they share one, else
    converted to MB/s."""
    measured = [c for c in checks if c.get("speeds")]
    if len(measured) > LINES:
        measured = [measured[0], *measured[1 - LINES :]]
    units = {c.get("speed_unit") for c in measured}
    shared = units.pop() if len(units) == 1 else False
    if shared is False:  # mixed units: MB/s where the unit is known
        measured = [c for c in measured if c.get("speed_unit") in SPEED_BASE]
    ends = [medium_blocks or 0] + [c.get("total_blocks") or 0 for c in measured]
    ends += [int(at) for c in measured for at, _ in c["speeds"]]
    end = max(ends) * SECTOR
    scale, x_unit = (1e9, "GB") if end >= 1e9 else (1e6, "MB")
    series = []
    days = [c["at"][:10] for c in measured]
    for check in measured:
        factor = 1.0 if shared is not False else SPEED_BASE[check["speed_unit"]] / 1e6
        xs = [int(at) * SECTOR / scale for at, _ in check["speeds"]]
        ys = [float(speed) * factor for _, speed in check["speeds"]]
        day = check["at"][:10]
        series.append(Series(check["at"][5:16] if days.count(day) > 1 else day, xs, ys))
    y_label = "MB/s" if shared is False else UNIT_NAMES.get(shared or "", "x")
    top = max((y for s in series for y in s.ys), default=0.0)
    return Graph(
        x_label=f"position on the medium ({x_unit})", y_label=f"read speed ({y_label})",
        x_max=end / scale, y_max=top, series=series,
    )  # fmt: skip
