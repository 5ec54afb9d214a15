"""Bench: UI input latency while the stage scans a 100k-file folder (issue 6, goal p95 <= 50 ms).

A headless DiscdeckApp (Pilot, 80x24) opens the stage screen; the 100k tree is staged and
`StageScreen.scan_sizes` (the worker the `a` key starts) sums it again and again. Meanwhile
a key ("down"/"up" in the local browser) is sent the way a terminal driver sends one, every
20-40 ms; its latency is the time from sending to the first screen update (`App._display`,
called after the compositor has rendered) that shows the moved cursor. Only keys sent while
a scan was running count. The same is measured with the app idle, and with the pure-Python
walk (the fallback where GNU find is missing), for context.

The post-scan xorriso size forecast is switched off here: it is its own phase, not the scan.
Appends its table to bench/RESULTS.md (run by bench/run).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from discdeck_bench import CACHE, append_results, make_tree, private_home

KEYS_PER_SERIES = 150


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def measure(tree: Path, *, scanning: bool, python_walk: bool) -> tuple[list[float], int]:
    """Latencies (s) of KEYS_PER_SERIES keys, and how many scans ran meanwhile."""
    from textual import events

    from app.stage import disk_usage
    from app.tui.app import DiscdeckApp
    from app.tui.screens.stage_screen import StageScreen
    from widgets.local_browser import LocalBrowser

    if python_walk:
        disk_usage._has_gnu_find = lambda: False  # type: ignore[assignment]
    app = DiscdeckApp()
    app.request_forecast = lambda: None  # type: ignore[method-assign]
    displayed: list[tuple[float, int]] = []
    browser: LocalBrowser | None = None
    real_display = app._display

    def stamped_display(screen, renderable) -> None:  # type: ignore[no-untyped-def]
        real_display(screen, renderable)
        if browser is not None and renderable is not None:
            displayed.append((time.perf_counter(), browser.cursor))

    app._display = stamped_display  # type: ignore[method-assign]
    latencies: list[float] = []
    scans = 0
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = StageScreen(str(tree))
        app.push_screen(screen)
        await pilot.pause(0.3)
        browser = screen.query_one(LocalBrowser)
        for _ in range(3):  # some lines to move between
            await pilot.press("down")
        await pilot.pause(0.2)
        app.stage.clear()
        if scanning:
            app.stage.add(str(tree))
        node = app.stage.find(f"/{tree.name}") if scanning else None
        rng = random.Random(1)
        step = 1
        while len(latencies) < KEYS_PER_SERIES:
            if scanning and not any(w.group == "scan" and w.is_running for w in screen.workers):
                assert node is not None
                node.scanned = False
                screen.scan_sizes()
                scans += 1
                await asyncio.sleep(0.01)  # let the walk get going
            step = -step
            want = browser.cursor + step
            key = "down" if step > 0 else "up"
            sent = time.perf_counter()
            app._driver.send_message(events.Key(key, None))  # as a terminal driver does
            deadline = sent + 5
            while True:
                seen = [t for t, line in displayed if t >= sent and line == want]
                if seen:
                    break
                if time.perf_counter() > deadline:
                    raise SystemExit(f"no screen update for {key!r} within 5 s")
                await asyncio.sleep(0.0005)
            running = not scanning or any(
                w.group == "scan" and w.is_running for w in screen.workers
            )
            if running:
                latencies.append(seen[0] - sent)
            await asyncio.sleep(rng.uniform(0.02, 0.04))
    return latencies, scans


def main() -> int:
    private_home(Path(tempfile.mkdtemp(prefix="latency-", dir=CACHE)))
    tree = make_tree(100_000)
    rows = []
    for label, scanning, python_walk in (
        ("idle (no scan)", False, False),
        ("100k-file scan running (GNU find walk)", True, False),
        ("100k-file scan running (Python walk, the fallback)", True, True),
    ):
        lat, scans = asyncio.run(measure(tree, scanning=scanning, python_walk=python_walk))
        rows.append((label, lat, scans))
        print(
            f"{label}: p50 {statistics.median(lat) * 1000:.1f} ms, "
            f"p95 {percentile(lat, 0.95) * 1000:.1f} ms, max {max(lat) * 1000:.1f} ms, "
            f"{len(lat)} keys, {scans} scans",
            file=sys.stderr,
        )
    idle_p95 = percentile(rows[0][1], 0.95)
    table = [
        "",
        "## UI input latency while a 100k-file scan runs (bench/latency.py)",
        "",
        "| measure | keys | scans | p50 ms | p95 ms | max ms | p95 ratio vs idle | goal | verdict |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for index, (label, lat, scans) in enumerate(rows):
        p95 = percentile(lat, 0.95)
        goal = "context" if index != 1 else "p95 <= 50 ms"
        verdict = "" if index != 1 else ("met" if p95 <= 0.050 else "**MISSED**")
        table.append(
            f"| {label} | {len(lat)} | {scans or '-'} | {statistics.median(lat) * 1000:.1f} | "
            f"{p95 * 1000:.1f} | {max(lat) * 1000:.1f} | {p95 / idle_p95:.2f}x | {goal} | {verdict} |"
        )
    table += [
        "",
        "Key sent with `driver.send_message(Key)` (what a terminal driver does) to the first "
        "`App._display` that shows the moved cursor; stage screen at 80x24; keys 20-40 ms apart; "
        "only keys sent while the scan worker ran count; the xorriso size forecast after each "
        "scan is switched off (its own phase).",
        "",
    ]
    append_results(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
