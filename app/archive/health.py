"""The health of catalogued media over the years: which were not checked for a while, and
which should be copied now because they read worse than they did."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from app.archive.catalog import Catalog

SPEED_DROP = 0.8
"""A median read speed below 80 % of the first check's is a disc getting harder to read."""


@dataclass(frozen=True)
class Health:
    medium: dict
    checks: int
    last_checked: str | None
    verdict: str
    """"ok", "not checked for N months", or "copy this disc now: why"."""
    unreadable: int = 0
    """Unreadable blocks the last check found (what a script alerts on)."""


def copy_now(checks: list[dict]) -> str | None:
    """Why this disc should be copied now, from its checks over time; None when it is fine."""
    if not checks:
        return None
    last, first = checks[-1], checks[0]
    if last["unreadable"]:
        return f"{last['unreadable']} unreadable block(s) at the last check ({last['at'][:10]})"
    if last["result"] == "failed":
        return f"the last check failed ({last['at'][:10]}): {last['message']}"
    if len(checks) > 1 and (last["slow"] or 0) > (first["slow"] or 0):
        return f"slow regions grew from {first['slow'] or 0} to {last['slow']} blocks"
    speeds = [_median(c["speeds"]) for c in (first, last)]
    if all(speeds) and len(checks) > 1 and speeds[1] < SPEED_DROP * speeds[0]:
        return f"it reads at {speeds[1]:.1f}x where it read {speeds[0]:.1f}x"
    return None


def _median(speeds: list) -> float | None:
    values = [float(v) for _, v in speeds if v]
    return statistics.median(values) if values else None


def verdict(checks: list[dict], last_checked: str | None, months: float = 12.0) -> str:
    """"ok", "never checked", "not checked for N months" or "copy this disc now: why"."""
    why = copy_now(checks)
    if why:
        return f"copy this disc now: {why}"
    cutoff = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(time.time() - months * 30.44 * 86400))
    if last_checked is None:
        return "never checked"
    return f"not checked for {months:g} months" if last_checked < cutoff else "ok"


def health(catalog: Catalog, months: float = 12.0) -> list[Health]:
    """Every medium, with its verdict; not checked for `months` is said too."""
    found = []
    for medium in catalog.media():
        checks = catalog.checks(medium["id"])
        last = medium["last_checked"]
        lost = (checks[-1]["unreadable"] or 0) if checks else 0
        found.append(Health(medium, len(checks), last, verdict(checks, last, months), lost))
    return found


@dataclass(frozen=True)
class DiscHealth:
    """One disc as its history screen shows it."""

    medium: dict
    checks: list[dict]
    verdict: str


def disc_health(
    catalog: Catalog, medium: int, months: float = 12.0, *, curves: bool = True
) -> DiscHealth | None:
    """The disc's row, every check of it (oldest first, with its speed curve unless `curves`
    is False) and its verdict."""
    rows = catalog.media(only=medium)
    if not rows:
        return None
    checks = catalog.checks(medium, curves=curves)
    (blocks,) = catalog.db.execute("SELECT blocks FROM media WHERE id=?", (medium,)).fetchone()
    row = {**rows[0], "blocks": blocks}
    return DiscHealth(row, checks, verdict(checks, row["last_checked"], months))
