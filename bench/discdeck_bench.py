"""discdeck benchmarks: every figure is a ratio against bare xorriso / dd / du in the same run.

Run as `bench/run` from the repo root. Prints a markdown table and writes bench/RESULTS.md.
Everything the bench writes lives under /tmp/discdeck-bench (HOME and the XDG dirs point
there too, so the real home is never touched); the 1 GiB source data and the images are
removed at the end, the 100k-file tree is kept as a cache for the next run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
PYTHON = sys.executable
CACHE = Path("/tmp/discdeck-bench")
MiB = 1 << 20


def append_results(lines: list[str]) -> None:
    """Print a table and add it to bench/RESULTS.md (after the main bench wrote the file)."""
    text = "\n".join(lines)
    print(text)
    with (BENCH / "RESULTS.md").open("a", encoding="utf-8") as handle:
        handle.write(text)


# ---- a private home: set before anything of app/ is imported ------------------------------


def private_home(root: Path) -> dict[str, str]:
    env = {
        "HOME": str(root / "home"),
        "XDG_DATA_HOME": str(root / "home/.local/share"),
        "XDG_CONFIG_HOME": str(root / "home/.config"),
        "XDG_STATE_HOME": str(root / "home/.local/state"),
        "XDG_CACHE_HOME": str(root / "home/.cache"),
    }
    for value in env.values():
        Path(value).mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.update(env)
    os.environ.pop("DISCDECK_XORRISO", None)
    return env


# ---- measuring ------------------------------------------------------------------------------


def own_cpu() -> float:
    """This process's CPU seconds (all its threads; children excluded)."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def child_cpu() -> float:
    """CPU seconds of waited-for children (xorriso, dd, du)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


HZ = os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent so far (/proc/stat, steal included)."""
    with open("/proc/stat") as handle:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(
            int, handle.readline().split()[1:9]
        )
    return (user + nice + system + irq + softirq + steal) / HZ


def rel_range(values: list[float]) -> float:
    """(max - min) / median: how far identical runs disagree."""
    return (max(values) - min(values)) / statistics.median(values)


@dataclass
class Sample:
    wall: float
    own: float | None = None
    """discdeck's own CPU seconds (None for bare tools)."""
    child: float | None = None
    """The child's (xorriso's) CPU seconds."""
    note: str = ""
    others: float | None = None
    """CPUs' worth of work every other process on the machine did meanwhile (the noise)."""


@dataclass
class Series:
    name: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def own_pct(self) -> float | None:
        """Median of per-run own CPU / wall, in percent."""
        values = [100 * s.own / s.wall for s in self.samples if s.own is not None]
        return statistics.median(values) if values else None

    @property
    def childs(self) -> list[float]:
        return [s.child for s in self.samples if s.child is not None]

    @property
    def child(self) -> float | None:
        return statistics.median(self.childs) if self.childs else None

    @property
    def others(self) -> float | None:
        values = [s.others for s in self.samples if s.others is not None]
        return statistics.median(values) if values else None

    @property
    def best(self) -> float:
        return min(s.wall for s in self.samples)

    @property
    def spread(self) -> float:
        return rel_range([s.wall for s in self.samples])

    def runs(self) -> str:
        return ", ".join(f"{s.wall:.3f}" for s in self.samples)

    def ratios(self, base: Series, child: bool = False) -> list[float]:
        """Run-by-run ratios to `base` (run i of both came in the same round, next to each
        other), so slow phases of a shared machine hit both sides of a ratio."""
        pairs = zip(self.samples, base.samples, strict=True)
        if child:
            return [m.child / t.child for m, t in pairs if m.child and t.child]
        return [m.wall / t.wall for m, t in pairs]

    def paired(self, base: Series, child: bool = False) -> float:
        """Median of the run-by-run ratios: the verdict's figure."""
        return statistics.median(self.ratios(base, child))

    def cpu_bound(self) -> float | None:
        """Worst case wall ratio had every CPU second of discdeck been taken from xorriso."""
        return None if self.own_pct is None else 1 + self.own_pct / 100


def load_adjusted(
    groups: dict[str, list[tuple[float, float]]], base: str
) -> dict[str, tuple[float, float]]:
    """Mean of each group's values minus `base`'s at equal load of other processes, with its
    standard error: one common slope of value on load (x), fitted within the groups (ANCOVA).
    xorriso's CPU rises with the others' load, so this is the fair comparison."""
    means = {
        n: (statistics.fmean(x for x, _ in g), statistics.fmean(y for _, y in g))
        for n, g in groups.items()
    }
    sxx = sum((x - means[n][0]) ** 2 for n, g in groups.items() for x, _ in g)
    sxy = sum((x - means[n][0]) * (y - means[n][1]) for n, g in groups.items() for x, y in g)
    slope = sxy / sxx if sxx else 0.0
    resid = [y - means[n][1] - slope * (x - means[n][0]) for n, g in groups.items() for x, y in g]
    sd = (sum(e * e for e in resid) / max(1, len(resid) - len(groups) - 1)) ** 0.5
    (bx, by), nb = means[base], len(groups[base])
    effects = {"slope": (slope, 0.0)}
    for name, (mx, my) in means.items():
        if name != base:
            lever = (mx - bx) ** 2 / sxx if sxx else 0.0
            se = sd * (1 / len(groups[name]) + 1 / nb + lever) ** 0.5
            effects[name] = ((my - by) - slope * (mx - bx), se)
    return effects


def timed_subprocess(argv: list[str], **kwargs) -> Sample:
    c0 = child_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[:3]}... failed ({proc.returncode}): {proc.stderr[-500:]!r}")
    return Sample(wall, child=child_cpu() - c0)


CACHE_NOTE: list[str] = []


def drop_caches() -> bool:
    """sync, then drop the page cache (root only; containers may refuse)."""
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as handle:
            handle.write("3\n")
    except OSError as exc:
        if not CACHE_NOTE:
            CACHE_NOTE.append(f"dropping the page cache failed ({exc.strerror})")
        return False
    return True


# ---- data -------------------------------------------------------------------------------------


def write_random(path: Path, size: int) -> None:
    with open(path, "wb") as handle:
        left = size
        while left:
            chunk = min(left, 8 * MiB)
            handle.write(os.urandom(chunk))
            left -= chunk


def make_burn_source(root: Path, scale: int) -> tuple[Path, list[Path], int]:
    """2 GiB (1/scale of it in --quick) of random bytes: 5 big files and 200 small ones."""
    rng = random.Random(1)
    source = root / "source"
    files: list[Path] = []
    (source / "big").mkdir(parents=True)
    for i, mib in enumerate([512, 512, 384, 256, 128]):
        path = source / "big" / f"part{i}.bin"
        write_random(path, mib * MiB // scale)
        files.append(path)
    small_total = 256 * MiB // scale
    weights = [rng.uniform(0.01, 2.0) for _ in range(200)]
    sizes = [int(small_total * w / sum(weights)) for w in weights]
    sizes[-1] += small_total - sum(sizes)
    for i, size in enumerate(sizes):
        folder = source / "small" / f"d{i % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"f{i:03d}.dat"
        write_random(path, size)
        files.append(path)
    os.sync()
    return source, files, sum(p.stat().st_size for p in files)


def make_tree(count: int) -> Path:
    """count small random files (0-4 KiB) in nested folders, cached under /tmp between runs."""
    tree = CACHE / f"tree{count // 1000}k"
    if (tree / ".complete").exists():
        return tree
    shutil.rmtree(tree, ignore_errors=True)
    rng = random.Random(2)
    per_leaf = 100
    n = 0
    while n < count:
        leaf = tree / f"a{n // (per_leaf * 10):03d}" / f"b{(n // per_leaf) % 10}"
        leaf.mkdir(parents=True, exist_ok=True)
        for _ in range(min(per_leaf, count - n)):
            with open(leaf / f"f{n:06d}", "wb") as handle:
                handle.write(os.urandom(rng.randint(0, 4096)))
            n += 1
    (tree / ".complete").write_text(f"{count} files\n")
    os.sync()
    return tree


# ---- row 1: burn ---------------------------------------------------------------------------


class Burn:
    def __init__(self, work: Path, source: Path, files: list[Path], *, cold: bool = True) -> None:
        from app.engine.commands import BurnOptions, MapEntry
        from app.jobs.plans import Target, burn_plan

        self.work = work
        self.cold = cold
        """Drop the page cache before each run (else: sources stay cached, only sync)."""
        self.image = work / "burn.iso"
        self.address = f"stdio:{self.image}"
        self.floor_target = work / "floor.bin"
        self.files = files
        self.entries = [MapEntry(str(source), "/data")]
        self.options = BurnOptions(verify=False)
        self.plan = burn_plan(Target(self.address, "bench"), self.entries, self.options)
        self.argv = list(self.plan.argv)
        self.phase: float | None = None
        """Where in xorriso's pacifier tick this round's runs start (None: at once)."""

    def start_round(self, r: int, n: int) -> None:
        """Every run of round r starts at the same phase of the tick; the rounds' phases are
        spread evenly over it. xorriso sees its burn's end only at a tick (epoch-aligned, one
        pacifier interval apart), so a run's wall depends on the phase it started at: with
        back-to-back runs each variant inherited the phase its predecessor ended at."""
        self.phase = (r + 0.5) / n * self.options.pacifier_interval

    def fresh(self, drop: bool = True, *, keep_image: bool = False) -> None:
        for path in (self.floor_target,) if keep_image else (self.image, self.floor_target):
            path.unlink(missing_ok=True)
        if drop and self.cold:
            drop_caches()
        else:
            os.sync()
        if self.phase is not None:
            time.sleep((self.phase - time.time()) % self.options.pacifier_interval)

    def bare(self, drop: bool = True) -> Sample:
        self.fresh(drop)
        return timed_subprocess(self.argv)

    def engine(self, drop: bool = True) -> Sample:
        from app.jobs.start import start_job

        self.fresh(drop)
        c0, ch0, t0 = own_cpu(), child_cpu(), time.perf_counter()
        op = start_job(self.plan)
        events = sum(1 for _ in op.events())
        wall = time.perf_counter() - t0
        own, child = own_cpu() - c0, child_cpu() - ch0
        assert op.result is not None and op.result.outcome == "ok", op.result
        assert op.argv == self.argv, "the engine's argv differs from the bare one"
        return Sample(wall, own, child, note=f"{events} events")

    def ui(self, drop: bool = True) -> Sample:
        return asyncio.run(self._ui(drop))

    async def _ui(self, drop: bool) -> Sample:
        from app.tui.app import DiscdeckApp
        from app.tui.screens.operation_screen import OperationScreen

        class TimedScreen(OperationScreen):
            """Stamps the moment `finished` turns True (no polling)."""

            done_at: tuple[float, float, float] | None = None
            event: asyncio.Event | None = None

            @property
            def finished(self) -> bool:
                return getattr(self, "_finished", False)

            @finished.setter
            def finished(self, value: bool) -> None:
                self._finished = value
                if value and self.done_at is None:
                    self.done_at = (time.perf_counter(), own_cpu(), child_cpu())
                    if self.event is not None:
                        self.event.set()

        app = DiscdeckApp()
        async with app.run_test() as pilot:
            await wait_until(lambda: app.report is not None, 60)
            await pilot.pause()
            self.fresh(drop)
            screen = TimedScreen(self.plan)
            screen.event = asyncio.Event()
            c0, ch0, t0 = own_cpu(), child_cpu(), time.perf_counter()
            app.push_screen(screen)
            await asyncio.wait_for(screen.event.wait(), 600)
            assert screen.done_at is not None
            t1, c1, ch1 = screen.done_at
            results = list(screen.results)
        assert results and results[0].outcome == "ok", results
        assert results[0].argv == self.argv, "the UI's argv differs from the bare one"
        return Sample(t1 - t0, c1 - c0, ch1 - ch0, note=f"{len(screen.samples)} samples")

    def floor(self, drop: bool = True) -> Sample:
        """The raw write floor: the same bytes read and written once, fsync'ed at the end."""
        self.fresh(drop, keep_image=True)
        script = 'cat -- "$@" | dd of="$0" bs=1M iflag=fullblock conv=fsync status=none'
        return timed_subprocess(
            ["bash", "-c", script, str(self.floor_target), *map(str, self.files)]
        )


async def wait_until(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {seconds} s")
        await asyncio.sleep(0.01)


def measured(variant: Callable[[], Sample]) -> Sample:
    """Run one variant and note how busy the rest of the machine was meanwhile."""
    b0, c0, ch0, t0 = busy_seconds(), own_cpu(), child_cpu(), time.perf_counter()
    sample = variant()
    ours = own_cpu() - c0 + child_cpu() - ch0
    sample.others = max(0.0, busy_seconds() - b0 - ours) / (time.perf_counter() - t0)
    return sample


def rounds(
    variants: dict[str, Callable[..., Sample]],
    n: int,
    log: Callable[[str], None],
    start_round: Callable[[int, int], None] | None = None,
) -> dict[str, Series]:
    """n rounds, the order rotated each round; returns a Series per variant."""
    names = list(variants)
    series = {name: Series(name) for name in names}
    for r in range(n):
        if start_round is not None:
            start_round(r, n)
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            sample = measured(variants[name])
            series[name].samples.append(sample)
            own = (
                f" own CPU {100 * sample.own / sample.wall:.1f} %" if sample.own is not None else ""
            )
            child = f" child CPU {sample.child:.2f} s" if sample.child else ""
            log(
                f"  round {r + 1} {name:<8} {sample.wall:7.3f} s{own}{child} "
                f"others {sample.others:.2f} CPUs {sample.note}"
            )
    return series


# ---- row 2: checkread --------------------------------------------------------------------------


def check_argv(image: Path) -> list[str]:
    from app.jobs.plans import Target, check_plan

    return list(check_plan(Target(f"stdio:{image}")).argv)


def check_bare(image: Path) -> Sample:
    """Bare xorriso with exactly the engine's argv (what discdeck adds is all that differs)."""
    drop_caches()
    return timed_subprocess(check_argv(image))


def check_minimal(image: Path) -> Sample:
    """The shortest command line that does the same check (context: the price of base_argv)."""
    drop_caches()
    argv = [
        "xorriso",
        "-no_rc",
        "-md5",
        "on",
        "-indev",
        f"stdio:{image}",
        "-check_md5_r",
        "sorry",
        "/",
        "--",
    ]
    return timed_subprocess(argv)


def check_engine(image: Path) -> Sample:
    from app.jobs.start import start_check

    drop_caches()
    c0, ch0, t0 = own_cpu(), child_cpu(), time.perf_counter()
    op = start_check(f"stdio:{image}")
    events = sum(1 for _ in op.events())
    wall = time.perf_counter() - t0
    assert op.result is not None and op.result.outcome == "ok", op.result
    assert op.argv == check_argv(image), "the engine's argv differs from the bare one"
    return Sample(wall, own_cpu() - c0, child_cpu() - ch0, note=f"{events} events")


def read_floor(image: Path) -> Sample:
    drop_caches()
    return timed_subprocess(["dd", f"if={image}", "of=/dev/null", "bs=1M", "status=none"])


# ---- row 3: stage scan ---------------------------------------------------------------------------


def scan_stage(tree: Path, drop: bool) -> Sample:
    from app.stage.model import Stage

    if drop:
        drop_caches()
    c0, t0 = own_cpu(), time.perf_counter()
    stage = Stage()
    stage.add(str(tree), "/")
    for _ in stage.scan("/"):
        pass
    wall = time.perf_counter() - t0
    return Sample(wall, own_cpu() - c0, note=f"{stage.total_files()} files {stage.total_size()} B")


def scan_du(tree: Path, drop: bool) -> Sample:
    if drop:
        drop_caches()
    return timed_subprocess(["du", "-s", "--apparent-size", "-B1", str(tree)])


# ---- row 4: cold start -----------------------------------------------------------------------------


def time_child(argv: list[str], env: dict[str, str], *, wait_line: bool) -> Sample:
    """Seconds from spawning argv until it prints its first line (or exits)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO)
    assert proc.stdout is not None
    if wait_line:
        line = proc.stdout.readline()
        wall = time.perf_counter() - t0
        out, err = proc.communicate(timeout=60)
        if not line.startswith(b"READY"):
            raise RuntimeError(f"cold start child failed: {line!r} {out[-300:]!r} {err[-800:]!r}")
        return Sample(wall, note=line.decode().strip())
    proc.communicate(timeout=60)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"{argv} failed ({proc.returncode})")
    return Sample(wall)


# ---- report ---------------------------------------------------------------------------------------


def machine() -> list[str]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    xorriso = subprocess.run(["xorriso", "-version"], capture_output=True, text=True).stdout
    xver = next((ln for ln in xorriso.splitlines() if ln.startswith("xorriso version")), "?")
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    fs = (
        subprocess.run(["df", "-T", "/tmp"], capture_output=True, text=True)
        .stdout.splitlines()[-1]
        .split()
    )
    return [
        f"- date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"- nproc: {nproc}; RAM: {mem_kib / 2**20:.1f} GiB; CPU: {cpu}",
        f"- kernel: {os.uname().release}; bench data on {fs[0]} ({fs[1]}) at /tmp",
        f"- python: {sys.version.split()[0]} ({PYTHON}); {xver.strip()}",
    ]


def _cpu_ticks() -> dict[int, tuple[str, int]]:
    ticks = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as handle:
                data = handle.read()
        except OSError:
            continue
        comm = data[data.index("(") + 1 : data.rindex(")")]
        fields = data[data.rindex(")") + 2 :].split()
        ticks[int(name)] = (comm, int(fields[11]) + int(fields[12]))
    return ticks


def busy_processes(seconds: float = 2.0) -> str:
    """Other processes using >= 5 % of a CPU over the next `seconds` (context for noise)."""
    before = _cpu_ticks()
    time.sleep(seconds)
    after = _cpu_ticks()
    hz = os.sysconf("SC_CLK_TCK")
    busy = []
    for pid, (comm, t1) in after.items():
        if pid == os.getpid() or pid not in before:
            continue
        share = 100 * (t1 - before[pid][1]) / hz / seconds
        if share >= 5:
            busy.append((share, comm))
    busy.sort(reverse=True)
    return ", ".join(f"{comm} {share:.0f} %" for share, comm in busy[:6]) or "none"


def x(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}x"


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} %"


def verdict(ok: bool) -> str:
    return "met" if ok else "**MISSED**"


# ---- the run, phase by phase ------------------------------------------------------------------


@dataclass
class Bench:
    """Everything one bench run measured, and what it needs to say how."""

    n: int
    quick: bool
    keep: bool
    root: Path
    env: dict[str, str]
    log: Callable[[str], None]
    notes: list[str] = field(default_factory=list)
    series: dict[str, dict[str, Series]] = field(default_factory=dict)
    files: int = 0
    total: int = 0
    image_size: int = 0
    reread: float = 0.0
    dropped: bool = False
    tree_count: int = 100_000
    tick: float = 1.0
    """xorriso's pacifier interval: its burns notice their own end only at these ticks."""


def measure_disk(b: Bench, scale: int) -> tuple[Path, list[Path]]:
    """Row 1a-1d (burn to disk, cache dropped), then row 2 (checkread of that image)."""
    b.log(f"# making {2048 // scale} MiB of random source data")
    source, files, b.total = make_burn_source(b.root, scale)
    b.files = len(files)
    burn = Burn(b.root, source, files)
    b.tick = burn.options.pacifier_interval
    b.dropped = drop_caches()
    if not b.dropped:
        b.notes.append(
            f"{CACHE_NOTE[0]}: the page cache could not be dropped, so every variant ran "
            "after one untimed warm-up run, with the source files cached"
        )
    b.log("# untimed warm-up: one engine burn")
    burn.engine(drop=b.dropped)
    b.log("# row 1: burn on disk, page cache dropped (bare xorriso argv / engine / UI / dd floor)")
    variants = {"bare": burn.bare, "engine": burn.engine, "ui": burn.ui, "floor": burn.floor}
    b.series["burn (disk)"] = rounds(variants, b.n, b.log, burn.start_round)
    b.image_size = burn.image.stat().st_size
    b.log("# row 2: checkread")
    checks = {
        "bare": lambda: check_bare(burn.image),
        "engine": lambda: check_engine(burn.image),
        "read": lambda: read_floor(burn.image),
        "minimal argv": lambda: check_minimal(burn.image),
    }
    b.series["check"] = rounds(checks, b.n, b.log)
    from app.engine.inspect import read_medium

    t0 = time.perf_counter()
    read_medium(burn.address)
    b.reread = time.perf_counter() - t0
    if not b.keep:
        burn.fresh(drop=False)
    return source, files


MEM_ROUNDS = 5
"""Rounds of the CPU-bound burn: enough paired ratios to resolve about 2 %."""


def measure_mem(b: Bench, source: Path, files: list[Path]) -> None:
    """Row 1e-1g: the CPU-bound burn (image on tmpfs, sources cached), where xorriso's own
    CPU and discdeck's show most."""
    shm_free = shutil.disk_usage("/dev/shm").free if os.path.isdir("/dev/shm") else 0
    if shm_free <= 2 * b.total:
        b.notes.append("/dev/shm is missing or too small: the CPU-bound (tmpfs) burn was skipped")
        return
    mem_rounds = 1 if b.quick else max(b.n, MEM_ROUNDS)
    b.log(f"# row 1, CPU-bound: image on tmpfs, sources cached ({mem_rounds} rounds)")
    shm = Path(tempfile.mkdtemp(prefix="discdeck-bench-", dir="/dev/shm"))
    try:
        mem = Burn(shm, source, files, cold=False)
        mem.bare()  # untimed: caches the sources
        variants = {"bare": mem.bare, "engine": mem.engine, "ui": mem.ui}
        b.series["burn (tmpfs)"] = rounds(variants, mem_rounds, b.log, mem.start_round)
    finally:
        shutil.rmtree(shm, ignore_errors=True)


def measure_scan(b: Bench) -> None:
    """Row 3: the stage's size scan against du, warm and (when allowed) cold."""
    b.log(f"# row 3: stage scan of {b.tree_count} files")
    t0 = time.perf_counter()
    tree = make_tree(b.tree_count)
    made = time.perf_counter() - t0
    b.log(f"  tree at {tree} ({f'made in {made:.0f} s' if made > 1 else 'cached'})")
    scan_stage(tree, drop=False)  # warm the cache
    b.series["scan warm"] = rounds(
        {"stage": lambda: scan_stage(tree, False), "du": lambda: scan_du(tree, False)}, b.n, b.log
    )
    if b.dropped:
        b.series["scan cold"] = rounds(
            {"stage": lambda: scan_stage(tree, True), "du": lambda: scan_du(tree, True)}, 2, b.log
        )


def measure_start(b: Bench) -> None:
    """Row 4: a fresh process until the TOC is shown, against importing Textual."""
    b.log("# row 4: cold start to interactive (TOC read of the virtual recorder)")
    child = [PYTHON, str(BENCH / "coldstart_child.py")]
    textual_only = [PYTHON, "-c", "import textual"]
    textual_app = [PYTHON, "-c", "import textual.app, textual.widgets"]
    time_child(child, b.env, wait_line=True)  # first run: creates the default recorder

    def timed(argv: list[str], wait_line: bool, drop: bool = False) -> Callable[[], Sample]:
        def run() -> Sample:
            if drop:
                drop_caches()
            return time_child(argv, b.env, wait_line=wait_line)

        return run

    if b.dropped:
        cold = {
            "discdeck": timed(child, True, True),
            "import textual": timed(textual_only, False, True),
        }
        b.series["start, cache dropped"] = rounds(cold, 3, b.log)
    warm = {
        "discdeck": timed(child, True),
        "import textual": timed(textual_only, False),
        "textual.app+widgets": timed(textual_app, False),
        "python -c pass": timed([PYTHON, "-c", "pass"], False),
    }
    b.series["start"] = rounds(warm, max(b.n, 5), b.log)


# ---- the tables -----------------------------------------------------------------------------------

HEAD = [
    "| # | measure | wall s (median; spread) | ratio (paired, median; min–max) | wall ratio at "
    "equal load | ratio (medians) "
    "| ratio (best runs) | child CPU s (median; spread) | child CPU ratio (paired, median; "
    "min–max) | child CPU at equal load | discdeck own CPU / wall | goal | verdict |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
]


def spread_of(values: list[float]) -> str:
    return f"{100 * rel_range(values):.0f} %" if len(values) > 1 else "–"


def equal_load(s: Series, base: Series, wall: bool = False) -> tuple[float, float] | None:
    """s's child CPU (or wall) over base's at equal load of other processes, ± its standard
    error: the runs of a series met different loads, and both figures rise with it."""
    groups = {
        name: [
            (x.others, x.wall if wall else x.child)
            for x in series.samples
            if x.others is not None and (wall or x.child)
        ]
        for name, series in (("base", base), ("this", s))
    }
    if min(len(g) for g in groups.values()) < 2:
        return None
    diff, se = load_adjusted(groups, "base")["this"]
    mean = statistics.fmean(y for _, y in groups["base"])
    return 1 + diff / mean, se / mean


def at_load(value: tuple[float, float] | None) -> str:
    return f"{x(value[0], 3)} ± {100 * value[1]:.1f} %" if value else "–"


def row(
    tag: str,
    what: str,
    s: Series,
    base: Series | None,
    goal: str,
    word: str,
    vs: str = "",
    d: int = 3,
) -> str:
    """One line of the results table: every ratio with the spread of what it came from."""
    base = base or s
    walls = [x.wall for x in s.samples]
    ratios = s.ratios(base) if base is not s else [1.0]
    cells = [
        f"{s.wall:.3f} ({spread_of(walls)})",
        f"{x(statistics.median(ratios), d)}{vs}"
        + (f" ({min(ratios):.{d}f}–{max(ratios):.{d}f})" if base is not s else ""),
        at_load(equal_load(s, base, wall=True)) if base is not s else "–",
        f"{x(s.wall / base.wall, d)}{vs}",
        f"{x(s.best / base.best, d)}{vs}",
    ]
    cells.append(f"{s.child:.2f} ({spread_of(s.childs)})" if s.child is not None else "–")
    cpu = s.ratios(base, child=True) if base is not s and s.child and base.child else []
    cells.append(f"{x(statistics.median(cpu), 3)} ({min(cpu):.3f}–{max(cpu):.3f})" if cpu else "–")
    cells.append(at_load(equal_load(s, base)) if cpu else "–")
    return f"| {tag} | {what} | {' | '.join(cells)} | {pct(s.own_pct)} | {goal} | {word} |"


def burn_verdict(s: Series, base: Series, tick: float | None) -> str:
    """met: paired wall ratio ≤ 1.02 and own CPU ≤ 5 %. Else the wall may be the machine's:
    other processes' load (wall at equal load ≤ 1.02x), the bare runs' spread or one pacifier
    tick (a burn notices its own end only at a tick); then xorriso's CPU at equal load and
    discdeck's CPU bound must both be ≤ 1.02x."""
    paired, bound = s.paired(base), s.cpu_bound()
    if paired <= 1.02 and (s.own_pct or 0) <= 5:
        return "met"
    cpu, wall = equal_load(s, base), equal_load(s, base, wall=True)
    if bound is None or bound > 1.02 or not cpu or cpu[0] > 1.02:
        return "**MISSED**"
    if wall and wall[0] <= 1.02:
        why = f"{x(wall[0], 3)} at equal load"
    elif paired <= 1 + base.spread:
        why = "within the bare runs' spread"
    elif tick and paired <= 1 + tick / base.wall:
        why = f"within one {tick:g} s pacifier tick"
    else:
        return "**MISSED**"
    return f"met by CPU: xorriso's {x(cpu[0], 3)} at equal load, discdeck's bound {x(bound, 3)}; wall {why}"


BURN_GOAL, FLOOR = "≤ 1.02x, ≤ 5 %", "floor (ratio to the baseline)"


def results_table(b: Bench) -> list[str]:
    g, gib = b.series, b.total / 2**30
    disk = g["burn (disk)"]
    spec = [
        ("1a", f"burn {gib:.2f} GiB to a fresh `stdio:` image on disk, page cache dropped: bare "
         "xorriso (discdeck's exact argv)", disk["bare"], None, "baseline"),
        ("1b", "same, engine path (`start_job(plan)` + `events()`)", disk["engine"], disk["bare"], BURN_GOAL),
        ("1c", "same, UI path (`OperationScreen` until `finished`)", disk["ui"], disk["bare"], BURN_GOAL),
        ("1d", "write floor: `cat` the same files \\| `dd conv=fsync` (same disk)", disk["floor"], disk["bare"], FLOOR),
    ]  # fmt: skip
    if "burn (tmpfs)" in g:
        mem = g["burn (tmpfs)"]
        spec += [
            ("1e", "CPU-bound burn: image on tmpfs, sources cached: bare xorriso", mem["bare"], None, "baseline"),
            ("1f", "same, engine path", mem["engine"], mem["bare"], BURN_GOAL),
            ("1g", "same, UI path", mem["ui"], mem["bare"], BURN_GOAL),
        ]  # fmt: skip
    check = g["check"]
    spec += [
        ("2a", f"checkread of the {b.image_size / 2**30:.2f} GiB image, cache dropped: bare "
         "`xorriso -check_md5_r` (discdeck's exact argv)", check["bare"], None, "baseline"),
        ("2b", "checkread, engine (`start_job(check_plan)` + `events()`)", check["engine"], check["bare"], "≤ 1.02x"),
        ("2c", "read floor: `dd if=IMG of=/dev/null bs=1M`", check["read"], check["bare"], FLOOR),
        ("2d", "context: the shortest argv for the same check (no `base_argv()`)", check["minimal argv"], check["bare"], FLOOR),
    ]  # fmt: skip
    rows = []
    for tag, what, s, base, goal in spec:
        word = ""
        if goal.startswith("≤"):
            word = burn_verdict(s, base, b.tick if tag.startswith("1") else None)
        rows.append(row(tag, what, s, base, goal, word))
    return [*HEAD, *rows, *other_rows(b)]


def other_rows(b: Bench) -> list[str]:
    g = b.series
    ws, wd = g["scan warm"]["stage"], g["scan warm"]["du"]
    start = g["start"]
    sd, st = start["discdeck"], start["import textual"]
    spec = [
        ("3a", f"`du -s --apparent-size`, {b.tree_count // 1000}k files, warm cache", wd, None, "baseline", "", ""),
        ("3b", "`Stage.add` + `Stage.scan`, same tree, warm cache", ws, wd, "≤ 1.5x", verdict(ws.paired(wd) <= 1.5), ""),
    ]  # fmt: skip
    if "scan cold" in g:
        cs, cd = g["scan cold"]["stage"], g["scan cold"]["du"]
        spec.append(("3c", f"stage scan vs du, page cache dropped ({len(cs.samples)} runs each; du "
                     f"{cd.wall:.3f} s)", cs, cd, "≤ 1.5x", verdict(cs.paired(cd) <= 1.5), ""))  # fmt: skip
    spec += [
        ("4a", "cold start to interactive (fresh process): spawn → `app.report` set (virtual "
         "recorder TOC read)", sd, st, "≤ 0.8 s", verdict(sd.wall <= 0.8), " vs 4b"),
        ("4b", '`python -c "import textual"`', st, None, "context", "", ""),
        ("4c", '`python -c "import textual.app, textual.widgets"`', start["textual.app+widgets"], st, "context", "", " vs 4b"),
        ("4d", "`python -c pass`", start["python -c pass"], st, "context", "", " vs 4b"),
    ]  # fmt: skip
    if "start, cache dropped" in g:
        dc, ic = g["start, cache dropped"]["discdeck"], g["start, cache dropped"]["import textual"]
        spec.append(("4e", f"the same with the page cache dropped before each run ({len(dc.samples)} "
                     f"runs; `import textual` alone then {ic.wall:.3f} s)", dc, ic,
                     "≤ 0.8 s (stricter than asked)", verdict(dc.wall <= 0.8), " vs import"))  # fmt: skip
    return [
        row(tag, what, s, base, goal, word, vs, 2) for tag, what, s, base, goal, word, vs in spec
    ]


def detail_table(b: Bench) -> list[str]:
    lines = [
        "| series | runs (s, in order) | median | best | spread (max-min)/median | child CPU s (in order) | child CPU spread | others' load, CPUs (in order) |",
        "|---|---|---:|---:|---:|---|---:|---:|",
    ]
    for group, series in b.series.items():
        for s in series.values():
            childs = ", ".join(f"{c:.2f}" for c in s.childs) or "–"
            others = ", ".join(f"{o.others:.2f}" for o in s.samples if o.others is not None) or "–"
            lines.append(
                f"| {group}: {s.name} | {s.runs()} | {s.wall:.3f} | {s.best:.3f} | "
                f"{100 * s.spread:.0f} % | {childs} | {spread_of(s.childs) if s.childs else '–'} | {others} |"
            )
    return lines


def method_burns(b: Bench) -> list[str]:
    g = b.series
    gib = b.total / 2**30
    mem = g.get("burn (tmpfs)")
    rounds_mem = f"{len(mem['bare'].samples)} rounds, rotated" if mem else "skipped"
    return [
        f"- Row 1: {b.files} source files ({gib:.2f} GiB from `os.urandom`: 5 files of 128-512 MiB "
        "and 200 small ones in 10 folders), staged as one `-map SOURCE /data`, default `BurnOptions` "
        "with `verify=False` (so `-md5 on`, `-stdio_sync 256k`, `-pacifier interval=1`), written to a "
        f"fresh `stdio:` image ({b.image_size / 2**30:.2f} GiB). 1a-1d: image on the same disk as the "
        f"sources, {b.n} runs per variant, the order rotated each round (bare, engine, UI, floor / "
        "engine, UI, floor, bare / ...); before every timed run the image is deleted, then `sync` and "
        "`echo 3 > /proc/sys/vm/drop_caches`"
        + (
            " (it worked: every run reads its sources cold)."
            if b.dropped
            else " (it failed; see notes)."
        )
        + " 1e-1g: the same burn with the image on /dev/shm and the sources in the page cache, so "
        f"xorriso is CPU-bound (MD5 + ISO writing) and any CPU discdeck takes shows; {rounds_mem}. "
        "Bare xorriso gets exactly the burn Plan's argv (asserted equal to the "
        "engine's and the UI's argv), stdout/stderr to /dev/null and a pipe.",
        "- 1b/1f: wall from `start_job(plan)` to the end of `for p in op.events()`, no journal. 1c/1g: a "
        "headless `DiscdeckApp().run_test()` (80×24) first waits for the main screen's TOC read, then "
        "pushes `OperationScreen(plan)` with the same burn Plan "
        "as the app's burn flow does (journal written); wall ends when `screen.finished` turns True "
        "(stamped by a property setter, no polling), so it includes the screen's post-burn "
        f"`read_medium` re-read ({b.reread * 1000:.0f} ms here). Own CPU = `getrusage(RUSAGE_SELF)` "
        "user+sys delta (every thread of this process, children excluded) / wall, median of the runs.",
        "- Child CPU (rows 1-2: xorriso's) = `getrusage(RUSAGE_CHILDREN)` user+sys delta over the "
        "run: bare, xorriso alone; engine, xorriso plus the detach wrapper's ~0.04 s; UI, also "
        "the ~0.01 s re-read. xorriso hands every 2 KiB block between its threads (over a "
        "million futex calls per GiB), so its CPU, and more so its wall, rise with the load other "
        "processes put on the machine (measured per run from /proc/stat minus our own and our "
        "children's CPU: 'others' load' in \"Every run\"). 'At equal load' compares the means "
        "after one common slope of the figure on that load (ANCOVA over the runs of the two "
        "series), ± its standard error.",
        "- Wall of a burn moves in steps: xorriso's pacifier loop looks at the drive once per "
        f"pacifier interval ({b.tick:g} s, ticks aligned to the clock's whole seconds), so a burn "
        "ends on the first tick after its write did and its wall depends on the phase it started "
        "at (identical bare runs: 5.94 s started at .10 s, 6.54 s at .50 s). So every run of a "
        "round starts at the same phase, the rounds' phases spread evenly over the tick (round r "
        "of n at (r + 0.5)/n). One tick is still ~8 % of a 12 s tmpfs burn.",
        "- 1d: `cat FILES | dd of=T bs=1M iflag=fullblock conv=fsync`: the same bytes read cold and "
        "written once to the same disk. xorriso also MD5s every byte and syncs every 256 KiB "
        "(`-stdio_sync 256k`), so 1a/1d is the price of xorriso itself, not of discdeck.",
        '- Ratios: "paired" is the median of run-by-run ratios within a round (the two runs came '
        "next to each other, so a slow phase of the shared machine hits both), with their min–max "
        "in brackets; it gives the verdict. The spread next to a median is (max−min)/median of "
        "that series' runs. Verdict: 'met' when the paired ratio is ≤ 1.02x and discdeck's own "
        "CPU ≤ 5 %; 'met by CPU' when xorriso's CPU at equal load and discdeck's CPU bound are "
        "both ≤ 1.02x and the wall's excess is the machine's (wall at equal load ≤ 1.02x, or "
        "within the bare runs' spread, or within one pacifier tick); else MISSED.",
    ]


def method_rest(
    b: Bench, load: tuple[float, float], busy: tuple[str, str], elapsed: float
) -> list[str]:
    g = b.series
    bare_disk = g["burn (disk)"]["bare"]
    mem = g.get("burn (tmpfs)")
    others = [
        s.others
        for group in g.values()
        for series in group.values()
        for s in series.samples
        if s.others is not None
    ]
    bounds = [("engine (disk)", g["burn (disk)"]["engine"]), ("UI (disk)", g["burn (disk)"]["ui"])]
    if mem:
        bounds += [("engine (tmpfs)", mem["engine"]), ("UI (tmpfs)", mem["ui"])]
    lines = [
        "- Row 2: the image of the last disk burn; page cache dropped before each run. The bare command "
        "is the engine's exact argv, the check Plan's (asserted equal); 2d is "
        "`xorriso -no_rc -md5 on -indev stdio:IMG -check_md5_r sorry / --`, without `base_argv()`.",
        f"- Row 3: {b.tree_count} files of 0-4 KiB random bytes in {b.tree_count // 100} folders of 100 "
        f"(cached at {CACHE}/tree{b.tree_count // 1000}k between bench runs). The stage scan is timed "
        "in-process (`Stage().add(tree)` + iterate `scan('/')`); du is a subprocess (its spawn counts). "
        f"Warm: one untimed scan first, medians of {b.n}; cold: page cache dropped before each.",
        "- Row 4: wall from `Popen` of `python bench/coldstart_child.py` (imports `app.tui.app`, runs "
        "`DiscdeckApp().run_test()`, polls `app.report is not None` every 5 ms, prints READY) to the "
        "READY line; the private XDG home already holds the default virtual recorder. "
        f"{max(b.n, 5)} rounds, rotated; medians. 4e: 3 rounds with the page cache dropped before "
        "every run.",
        f"- HOME and XDG_* pointed at a temporary folder under {CACHE}; source data, images and that "
        "folder are removed at the end.",
        f"- Load: a shared 2-core machine. Load average {load[0]:.2f} at the start and {load[1]:.2f} "
        f"at the end; busy processes at the start: {busy[0]}; at the end: {busy[1]}. Other "
        f"processes kept {statistics.median(others):.2f} CPUs busy during the median run "
        f"(max {max(others):.2f}; 'others' load' in \"Every run\"). Identical bare xorriso runs "
        f"spread by {100 * bare_disk.spread:.0f} % (disk)"
        + (
            f" and {100 * mem['bare'].spread:.0f} % (tmpfs, wall) / {spread_of(mem['bare'].childs)} (tmpfs, xorriso CPU)"
            if mem
            else ""
        )
        + '; see "Every run".',
        "- Robust bound: had every CPU second discdeck spent been taken from xorriso, a burn "
        "would be at most (1 + own CPU / wall) times the bare one: "
        + ", ".join(f"{label} {x(1 + (s.own_pct or 0) / 100, 3)}" for label, s in bounds)
        + ". That bound, unlike the wall medians, is not blurred by the machine's other load.",
        f"- Whole bench: {elapsed / 60:.1f} min.",
    ]
    return lines + [f"- Note: {note}" for note in b.notes]


def write_results(b: Bench, table: list[str], method: list[str]) -> None:
    text = [
        "# discdeck benchmarks",
        "",
        "Written by `bench/run` (ratios against bare xorriso / dd / du measured in the same run; "
        "never timed asserts in tests).",
        "",
        "## Machine",
        "",
        *machine(),
        "",
        "## Results",
        "",
        *table,
        "",
        "## How it was measured",
        "",
        *method,
        "",
        "## Every run",
        "",
        *detail_table(b),
        "",
        *lab_section(),
    ]
    (BENCH / "RESULTS.md").write_text("\n".join(text))


def lab_section() -> list[str]:
    """The "## Lab" rows (measured in the MMC lab by hand, not by this bench): kept."""
    try:
        old = (BENCH / "RESULTS.md").read_text(encoding="utf-8")
    except OSError:
        return []
    start = old.find("\n## Lab")
    if start < 0:
        return []
    end = old.find("\n## ", start + 1)
    return [old[start + 1 : end if end > 0 else len(old)].rstrip(), ""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="smoke test: 1 round, 1/8 data, 10k tree"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the burn data and images")
    args = parser.parse_args()
    started = time.perf_counter()
    CACHE.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="run-", dir=CACHE))
    env = {**os.environ, **private_home(root)}
    sys.path.insert(0, str(REPO))

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    b = Bench(1 if args.quick else args.rounds, args.quick, args.keep, root, env, log)
    b.tree_count = 10_000 if args.quick else 100_000
    load_before, busy_before = os.getloadavg()[0], busy_processes()
    try:
        from app.engine.runner import check_xorriso

        check_xorriso()  # the version probe is cached per process: keep it out of the timings
        source, files = measure_disk(b, 8 if args.quick else 1)
        measure_mem(b, source, files)
        if not args.keep:
            shutil.rmtree(source, ignore_errors=True)
        measure_scan(b)
        measure_start(b)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    load, busy = (load_before, os.getloadavg()[0]), (busy_before, busy_processes())
    table = results_table(b)
    elapsed = time.perf_counter() - started
    print("\n".join(table))
    if not args.quick:
        write_results(b, table, [*method_burns(b), *method_rest(b, load, busy, elapsed)])
        log(f"# wrote {BENCH / 'RESULTS.md'} ({elapsed / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
