"""A/B of xorriso's OWN CPU: bare against the ways discdeck starts it (row 1's CPU-bound burn).

Why: one bench/run showed xorriso taking 13.2 s of CPU under the engine against 11.9 s bare
(same argv) and walls 1.07-1.10x. Wall clock cannot tell on a shared 2-core VM (and a burn's
wall moves in steps of xorriso's pacifier tick), so this measures xorriso's user+sys seconds
and context switches (wait4 rusage), interleaves the variants in rotated rounds, notes how
busy every other process kept the machine during each run, and reports medians, spreads,
paired ratios and the difference to bare at equal load (bench/PROFILE.md has the findings).

Usage (repo root, PYTHONPATH=. or the venv):
    python bench/xorriso_cpu.py [--rounds 8] [--gib 1] [--job burn|check] [VARIANT ...]
--job check: bare and engine run the checkread (`start_check`) of the image one untimed burn
made, which has no pacifier-tick steps: its wall shows what the engine adds in milliseconds.
Variants (default: all):
    bare     stdout /dev/null, stderr a pipe (what bench/run's bare row does)
    file     stdout/stderr to regular files in a run folder (as the detach wrapper's)
    session  bare, but in a new session (start_new_session, as the wrapper is started)
    wrapper  the real detach wrapper (files, session, process group), parent blocked in wait
    poll     bare, while this process polls a file every 50 ms like DetachedProcess did
    engine   start_burn() + events(): the whole detached engine path
    slowpoll engine, its reader polling once a second (not in the default set)
    ui       bench/run's UI path (OperationScreen in a headless app; not in the default set)
Sources: /tmp/discdeck-bench/xcpu-src-<GIB>g (made once, kept), image on /dev/shm. For the
wrapper/engine rows the wrapper's own Python (~0.035 s) is inside the figure.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = Path("/tmp/discdeck-bench")
MiB = 1 << 20


@dataclass
class Run:
    wall: float
    user: float
    sys: float
    vcsw: int
    ivcsw: int
    others: float = 0.0
    """CPUs' worth of work every other process on the machine did meanwhile (the noise)."""

    @property
    def cpu(self) -> float:
        return self.user + self.sys


def make_source(gib: float) -> Path:
    """gib GiB of random files shaped like row 1's (5 big, 200 small), cached between runs."""
    source = CACHE / f"xcpu-src-{gib:g}g"
    if (source / ".complete").exists():
        return source
    rng, total = random.Random(1), int(gib * 1024 * MiB)
    (source / "big").mkdir(parents=True, exist_ok=True)
    sizes = {
        source / "big" / f"part{i}.bin": total * k // 16 for i, k in enumerate([4, 4, 3, 2, 1])
    }
    weights = [rng.uniform(0.01, 2.0) for _ in range(200)]
    for i, weight in enumerate(weights):
        folder = source / "small" / f"d{i % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        sizes[folder / f"f{i:03d}.dat"] = int(total / 8 * weight / sum(weights))
    for path, size in sizes.items():
        with open(path, "wb") as handle:
            for left in range(size, 0, -8 * MiB):
                handle.write(os.urandom(min(left, 8 * MiB)))
    (source / ".complete").write_text("done\n")
    return source


class Variants:
    """Each method burns once and returns xorriso's rusage (a child reaped with wait4)."""

    def __init__(self, source: Path, shm: Path, runs: Path, job: str = "burn") -> None:
        from app.engine.commands import BurnOptions, MapEntry, burn_commands, check_commands
        from app.engine.runner import base_argv

        self.image, self.runs = shm / "burn.iso", runs  # the name bench/run's Burn uses
        self.address = f"stdio:{self.image}"
        self.entries = [MapEntry(str(source), "/data")]
        self.options = BurnOptions(verify=False)
        self.argv = [*base_argv(), *burn_commands(self.address, self.entries, self.options)]
        self.job = job
        if job == "check":
            self._spawn(self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.argv = [*base_argv(), *check_commands(self.address)]

    def _reap(self, proc: subprocess.Popen, t0: float, poll: bool = False) -> Run:
        if proc.stderr is not None:
            proc.stderr.read()
        while poll and os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
            (self.runs / "out").exists()  # what a DetachedProcess poll costs: a stat and a sleep
            time.sleep(0.05)
        _pid, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise RuntimeError(f"xorriso failed with {proc.returncode}")
        return Run(wall, ru.ru_utime, ru.ru_stime, ru.ru_nvcsw, ru.ru_nivcsw)

    def _fresh(self) -> None:
        if getattr(self, "job", "burn") == "burn":
            self.image.unlink(missing_ok=True)
        os.sync()

    def _spawn(self, argv: list[str], poll: bool = False, **kwargs) -> Run:
        self._fresh()
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, **kwargs)
        return self._reap(proc, t0, poll)

    def bare(self) -> Run:
        return self._spawn(self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def session(self) -> Run:
        return self._spawn(
            self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )

    def poll(self) -> Run:
        return self._spawn(self.argv, True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def file(self) -> Run:
        folder = Path(tempfile.mkdtemp(dir=self.runs))
        with open(folder / "stdout", "ab") as out, open(folder / "stderr", "ab") as err:
            return self._spawn(self.argv, stdout=out, stderr=err)

    def wrapper(self) -> Run:
        from app.engine import detach_wrapper

        folder = Path(tempfile.mkdtemp(dir=self.runs))
        (folder / "meta.json").write_text("{}")
        wrapper = [sys.executable, "-I", "-S", detach_wrapper.__file__, str(folder), "--"]
        with open(folder / "stdout", "ab") as out, open(folder / "stderr", "ab") as err:
            return self._spawn(
                [*wrapper, *self.argv], stdout=out, stderr=err, start_new_session=True
            )

    def ui(self) -> Run:
        """The UI path of bench/run (its child CPU also holds the post-burn re-read)."""
        from discdeck_bench import Burn

        burn = Burn(self.image.parent, Path(self.entries[0].disk_path), [], cold=False)
        sample = burn.ui()
        assert sample.child is not None
        return Run(sample.wall, sample.child, 0.0, 0, 0)

    def slowpoll(self) -> Run:
        """engine, but its reader looks at the run folder once a second, not 20 times."""
        from app.engine import detach

        poll, detach.POLL = detach.POLL, 1.0
        try:
            return self.engine()
        finally:
            detach.POLL = poll

    def engine(self) -> Run:
        from app.jobs.start import start_burn, start_check

        self._fresh()
        r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        if self.job == "check":
            op = start_check(self.address)
        else:
            op = start_burn(self.address, self.entries, self.options)
        for _ in op.events():
            pass
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        assert op.result is not None and op.result.outcome == "ok", op.result
        assert op.argv == self.argv
        user, system = r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime
        vcsw, ivcsw = r1.ru_nvcsw - r0.ru_nvcsw, r1.ru_nivcsw - r0.ru_nivcsw
        return Run(wall, user, system, vcsw, ivcsw)


def spread(values: list[float]) -> str:
    """min-max and (max-min)/median: how far identical runs of one variant disagree."""
    mid = statistics.median(values)
    return f"{min(values):.2f}-{max(values):.2f} ({100 * (max(values) - min(values)) / mid:.0f} %)"


def report(results: dict[str, list[Run]]) -> list[str]:
    base, med = results.get("bare"), statistics.median
    lines = [
        "| variant | xorriso CPU s (median) | spread | paired CPU ratio vs bare (median, min-max) "
        "| user / sys s | vcsw / ivcsw (median) | wall s (median) | paired wall difference ms "
        "(median, min-max) | others' load, CPUs (median) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, runs in results.items():
        cpu, ratio, wall = [r.cpu for r in runs], "–", "–"
        if base is not None and name != "bare":
            pairs = [a.cpu / b.cpu for a, b in zip(runs, base, strict=True)]
            ratio = f"{med(pairs):.3f}x ({min(pairs):.3f}-{max(pairs):.3f})"
            diffs = [1000 * (a.wall - b.wall) for a, b in zip(runs, base, strict=True)]
            wall = f"{med(diffs):+.0f} ({min(diffs):+.0f} to {max(diffs):+.0f})"
        lines.append(
            f"| {name} | {med(cpu):.2f} | {spread(cpu)} | {ratio} "
            f"| {med(r.user for r in runs):.2f} / {med(r.sys for r in runs):.2f} "
            f"| {med(r.vcsw for r in runs):.0f} / {med(r.ivcsw for r in runs):.0f} "
            f"| {med(r.wall for r in runs):.3f} | {wall} | {med(r.others for r in runs):.2f} |"
        )
    if base is not None and len(results) > 1 and len(base) > 2:
        from discdeck_bench import load_adjusted

        groups = {name: [(r.others, r.cpu) for r in runs] for name, runs in results.items()}
        effects = load_adjusted(groups, "bare")
        slope = effects.pop("slope")[0]
        bare_mean = statistics.fmean(r.cpu for r in base)
        lines += [
            "",
            f"At equal load (xorriso's CPU rises {slope:+.2f} s per CPU other processes keep busy):",
        ]
        lines += [
            f"- {name} vs bare: {d:+.3f} ± {se:.3f} s ({100 * d / bare_mean:+.1f} ± {100 * se / bare_mean:.1f} %)"
            for name, (d, se) in effects.items()
        ]
    return lines


def measured(variant: Callable[[], Run]) -> Run:
    """Run one variant and note how busy the rest of the machine was meanwhile."""
    from discdeck_bench import busy_seconds

    b0, c0, t0 = busy_seconds(), own_cpu(), time.perf_counter()
    run = variant()
    elapsed = time.perf_counter() - t0
    run.others = max(0.0, busy_seconds() - b0 - (own_cpu() - c0) - run.cpu) / elapsed
    return run


def own_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def rounds(variants: dict[str, Callable[[], Run]], n: int) -> dict[str, list[Run]]:
    names, results = list(variants), {name: [] for name in variants}
    for r in range(n):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            run = measured(variants[name])
            results[name].append(run)
            print(
                f"round {r + 1} {name:<8} cpu {run.cpu:6.2f} (u {run.user:5.2f} s {run.sys:5.2f}) "
                f"wall {run.wall:6.2f} vcsw {run.vcsw:7d} ivcsw {run.ivcsw:7d} "
                f"others {run.others:4.2f} CPUs",
                file=sys.stderr,
                flush=True,
            )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--job", choices=("burn", "check"), default="burn")
    parser.add_argument("variants", nargs="*")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="xcpu-", dir=CACHE))
    sys.path.insert(0, str(REPO / "bench"))
    from discdeck_bench import private_home

    private_home(work)
    shm = Path(tempfile.mkdtemp(prefix="xcpu-", dir="/dev/shm"))
    try:
        variants = Variants(make_source(args.gib), shm, work, args.job)
        table = {
            name: getattr(variants, name)
            for name in args.variants or ("bare", "file", "session", "wrapper", "poll", "engine")
        }
        variants.bare()  # untimed: the sources into the page cache
        print("\n".join(report(rounds(table, args.rounds))))
    finally:
        subprocess.run(["rm", "-rf", "--", str(shm), str(work)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
