"""Bench: open a 100k-entry image in the session browser's reader and show the root listing.

Time to first listing and peak RSS of a fresh process (discdeck's isoview), and the same in
the UI (the session browser opened with `i` on the image, until the root listing is in its
tree), beside `xorriso -indev IMG -find /` on the same image, measured in the same run.
Appends its table to bench/RESULTS.md (run by bench/run after the main bench).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from discdeck_bench import CACHE, append_results, make_tree, private_home

CHILD = """
import resource, sys, time
t0 = time.perf_counter()
from app.iso.view import open_session
view = open_session(sys.argv[1])
names = view.list("/")
print(time.perf_counter() - t0, len(names), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

UI_CHILD = """
import asyncio, resource, sys, time
sys.path.insert(0, sys.argv[2])
from app.tui.screens.browser_screen import BrowserScreen
from app.tui.app import DiscdeckApp

async def main():
    app = DiscdeckApp(f"stdio:{sys.argv[1]}")
    async with app.run_test(size=(80, 24)) as pilot:
        while app.report is None:
            await asyncio.sleep(0.005)
        await pilot.pause()
        t0 = time.perf_counter()
        await pilot.press("i")
        while not (isinstance(app.screen, BrowserScreen) and app.screen.view is not None
                   and app.screen.query_one("#browser-tree").root.children):
            await asyncio.sleep(0.001)
        shown = time.perf_counter() - t0
        count = len(app.screen.query_one("#browser-tree").root.children)
    print(shown, count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)

asyncio.run(main())
"""


def image_of(tree: Path) -> Path:
    image = CACHE / "img100k.iso"
    if not image.exists():
        subprocess.run(
            ["xorriso", "-no_rc", "-outdev", f"stdio:{image}", "-map", str(tree), "/", "-commit"],
            check=True, capture_output=True,
        )  # fmt: skip
    return image


def main() -> int:
    tree = make_tree(100_000)
    image = image_of(tree)
    firsts, rss = [], []
    for _ in range(5):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(image)], capture_output=True, text=True, check=True
        ).stdout.split()
        firsts.append(float(out[0]))
        rss.append(int(out[2]) / 1024)
    import tempfile

    private_home(Path(tempfile.mkdtemp(prefix="browse-", dir=CACHE)))
    repo = str(Path(__file__).resolve().parent.parent)
    ui_shown, ui_rss = [], []
    for _ in range(5):
        out = subprocess.run(
            [sys.executable, "-c", UI_CHILD, str(image), repo],
            capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        ui_shown.append(float(out[0]))
        ui_rss.append(int(out[2]) / 1024)
    finds = []
    for _ in range(5):
        t0 = time.perf_counter()
        lines = subprocess.run(
            ["xorriso", "-no_rc", "-indev", f"stdio:{image}", "-find", "/"],
            capture_output=True, check=True,
        ).stdout.count(b"\n")  # fmt: skip
        finds.append(time.perf_counter() - t0)
    first, find = statistics.median(firsts), statistics.median(finds)
    verdict = "met" if first <= 0.5 and max(rss) <= 200 else "**MISSED**"
    shown, shown_rss = statistics.median(ui_shown), max(ui_rss)
    ui_verdict = "met" if shown <= 0.5 and shown_rss <= 200 else "**MISSED**"
    table = [
        "",
        "## Session browser: open a 100k-entry image (bench/browse.py)",
        "",
        "| measure | median s | ratio | peak RSS | goal | verdict |",
        "|---|---:|---:|---:|---|---|",
        f"| first root listing, fresh process (import + open + list /) | {first:.3f} | "
        f"{first / find:.2f}x | {max(rss):.0f} MiB | <= 0.5 s, RSS <= 200 MB | {verdict} |",
        f"| session browser in the app: `i` pressed → root listing in its tree (80x24, the app "
        f"already showing the image's TOC) | {shown:.3f} | {shown / find:.2f}x | "
        f"{shown_rss:.0f} MiB (whole app) | <= 0.5 s, RSS <= 200 MB | {ui_verdict} |",
        f"| `xorriso -indev IMG -find /` ({lines:,} lines) | {find:.3f} | 1.00x | - | baseline | |",
        "",
        "Medians of 5 fresh processes each; peak RSS is the largest of the 5 (`ru_maxrss`).",
        "",
    ]
    append_results(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
