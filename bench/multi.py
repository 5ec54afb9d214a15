"""Several drives rows of bench/run, on virtual recorders in a private data dir:

- 9a/9b: three speed-limited (4d) burns on three recorders at once against one alone, in
  the same run, rounds alternating (goal: the three end within 1.05x of one alone);
- 9c/9d: discdeck's own CPU while three jobs run — headless (the job registry in threads,
  as `burn --dev A --dev B --dev C`) and in the app (Pilot, 80x24, the drive list showing
  the three states) — getrusage(RUSAGE_SELF) / wall (goal ≤ 5 % of a core);
- 9e: a media change on the open virtual recorder (its image replaced by one with another
  session count) to the new TOC on screen, minus the TOC read itself (goal ≤ 1 s).

`--quick`: one round each, smaller data.
"""

from __future__ import annotations

import asyncio
import os
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import discdeck_bench as bench

QUICK = "--quick" in sys.argv
ROUNDS = 1 if QUICK else 3
SOURCE_MB = 12 if QUICK else 40
"""At 4d (5.5 MB/s) a burn of 40 MiB takes ~8 s: long enough to be paced, not CPU-bound."""


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load_now() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def burn_plans(source: Path, names: list[str]):
    # app/ is imported inside the functions: private_home() must set the XDG dirs first.
    from app.drives.shelf import ShelfError, add_recorder, find_recorder
    from app.engine.commands import MapEntry
    from app.engine.options import BurnOptions
    from app.jobs.plans import Target, burn_plan

    options = BurnOptions(volume_id="BENCH", speed="4d", verify=False)
    plans = []
    for name in names:
        try:
            recorder = add_recorder(name, "DVD 4.7 GB")
        except ShelfError:  # the same recorders each round
            recorder = find_recorder(name)
        Path(recorder.image).write_bytes(b"")  # a fresh blank each round
        plans.append(burn_plan(Target(recorder.address, name), [MapEntry(str(source), "/")], options))
    return plans


def run_headless(plans) -> tuple[float, float, list[float]]:
    """All `plans` at once through the job registry, one thread each: (wall, own CPU s,
    each job's wall)."""
    from app.jobs.registry import JobRegistry, plan_runner

    registry = JobRegistry()
    jobs = [registry.add(plan, plan_runner()(plan)) for plan in plans]
    ends: dict[int, float] = {}
    started, cpu0 = time.perf_counter(), own_cpu()

    def one(index: int) -> None:
        jobs[index].run()
        ends[index] = time.perf_counter() - started

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall, cpu = time.perf_counter() - started, own_cpu() - cpu0
    assert all(job.done is not None and job.done.ok for job in jobs), [j.done for j in jobs]
    return wall, cpu, [ends[i] for i in range(len(jobs))]


async def run_in_app(plans) -> tuple[float, float]:
    """The three jobs started from the app (as "burn to marked drives" does), the main
    screen showing their states until all are done: (wall, own CPU s)."""
    from app.tui.app import DiscdeckApp
    from tests.ui.pilot import settle

    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, need_report=True)  # the start's drive scan is not the jobs' CPU
        await asyncio.sleep(1.0)
        started, cpu0 = time.perf_counter(), own_cpu()
        for plan in plans:
            app.start_running_job(plan)
        while app.jobs.running() or len(app.jobs.jobs()) < len(plans):
            # Not pilot.pause: its wait for the screen to settle, 10 times a second, is the
            # bench's own CPU (3 % more than the app's, measured), not discdeck's.
            await asyncio.sleep(0.5)
        wall, cpu = time.perf_counter() - started, own_cpu() - cpu0
        assert all(job.done.ok for job in app.jobs.jobs())
    return wall, cpu


async def media_change(rounds: int) -> list[tuple[float, float]]:
    """(seconds from the image replaced to the new TOC on screen, the TOC read alone)."""
    from app.drives.shelf import add_recorder
    from app.engine.inspect import read_medium
    from app.tui.app import DiscdeckApp
    from tests.conftest import make_image
    from widgets.toc_table import TocTable

    recorder = add_recorder("swap", "DVD 4.7 GB")
    folder = Path(recorder.image).parent.parent / "bench-swaps"
    folder.mkdir(exist_ok=True)
    swaps = [make_image(folder / f"s{n}.iso", [f"S{k}" for k in range(1, n + 2)]) for n in range(rounds + 1)]
    app = DiscdeckApp(recorder.address)
    out = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(1.5)
        table = app.screen.query_one(TocTable)
        for n in range(1, rounds + 1):
            await pilot.pause(1.2)  # not in step with the monitor's once-a-second look
            shutil.copy(swaps[n], folder / "next.iso")
            t0 = time.perf_counter()
            os.replace(folder / "next.iso", recorder.image)
            while table.row_count != n + 1:
                await pilot.pause(0.01)
                assert time.perf_counter() - t0 < 10, "the new TOC never showed"
            seen = time.perf_counter() - t0
            r0 = time.perf_counter()
            read_medium(recorder.address)
            out.append((seen, time.perf_counter() - r0))
    return out


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="multi-", dir="/tmp"))
    bench.private_home(root)
    try:
        source = root / "src"
        source.mkdir()
        (source / "data.bin").write_bytes(os.urandom(SOURCE_MB << 20))
        loads = [load_now()]
        ones, threes, ratios, cpus = [], [], [], []
        for _ in range(ROUNDS):
            one = run_headless(burn_plans(source, ["solo"]))[0]
            wall, cpu, _each = run_headless(burn_plans(source, ["r1", "r2", "r3"]))
            ones.append(one)
            threes.append(wall)
            ratios.append(wall / one)
            cpus.append(cpu / wall)
        loads.append(load_now())
        app_cpus = []
        for _ in range(ROUNDS):
            wall, cpu = asyncio.run(run_in_app(burn_plans(source, ["a1", "a2", "a3"])))
            app_cpus.append(cpu / wall)
        loads.append(load_now())
        swaps = asyncio.run(media_change(3 if QUICK else 6))
        loads.append(load_now())
        report(ones, threes, ratios, cpus, app_cpus, swaps, loads)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


def report(ones, threes, ratios, cpus, app_cpus, swaps, loads) -> None:
    med = statistics.median
    ratio = med(ratios)
    cpu, app_cpu = med(cpus) * 100, med(app_cpus) * 100
    beyond = [seen - read for seen, read in swaps]
    reads = [read for _seen, read in swaps]
    bench.append_results([
        "",
        f"## Several drives (bench/multi.py; {ROUNDS} rounds, {SOURCE_MB} MiB at 4d per recorder)",
        "",
        f"Load average (1/5/15 min) at start, after each part: {'; '.join(loads)}.",
        "",
        "| row | what | median | spread | goal | verdict |",
        "|---|---|---|---|---|---|",
        f"| 9a | one 4d burn alone (wall) | {med(ones):.2f} s | {min(ones):.2f}–{max(ones):.2f} s | context | |",
        f"| 9b | three 4d burns at once on three recorders: all done, / one alone (paired per round) | "
        f"{ratio:.3f}x ({med(threes):.2f} s) | {min(ratios):.3f}–{max(ratios):.3f}x | ≤ 1.05x | {bench.verdict(ratio <= 1.05)} |",
        f"| 9c | discdeck's own CPU, three jobs, headless (registry + threads) | {cpu:.1f} % | "
        f"{min(cpus) * 100:.1f}–{max(cpus) * 100:.1f} % | ≤ 5 % | {bench.verdict(cpu <= 5)} |",
        f"| 9d | discdeck's own CPU, three jobs, in the app (Pilot 80x24, drive list states) | {app_cpu:.1f} % | "
        f"{min(app_cpus) * 100:.1f}–{max(app_cpus) * 100:.1f} % | ≤ 5 % | {bench.verdict(app_cpu <= 5)} |",
        f"| 9e | image of the open recorder replaced → new TOC on screen, minus the TOC read "
        f"({len(swaps)} swaps; the read alone {med(reads) * 1000:.0f} ms) | {med(beyond):.2f} s | "
        f"{min(beyond):.2f}–{max(beyond):.2f} s | ≤ 1 s | {bench.verdict(max(beyond) <= 1.0)} |",
        "",
    ])  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
