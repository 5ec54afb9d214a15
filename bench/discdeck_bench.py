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


@dataclass
class Sample:
    wall: float
    own: float | None = None
    """discdeck's own CPU seconds (None for bare tools)."""
    child: float | None = None
    """The child's (xorriso's) CPU seconds."""
    note: str = ""


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
    def child(self) -> float | None:
        values = [s.child for s in self.samples if s.child is not None]
        return statistics.median(values) if values else None

    @property
    def best(self) -> float:
        return min(s.wall for s in self.samples)

    @property
    def spread(self) -> float:
        walls = [s.wall for s in self.samples]
        return (max(walls) - min(walls)) / statistics.median(walls)

    def runs(self) -> str:
        return ", ".join(f"{s.wall:.3f}" for s in self.samples)

    def paired(self, base: Series) -> float:
        """Median of run-by-run ratios to `base` (run i of both came in the same round, next
        to each other), so slow phases of a shared machine hit both sides of a ratio."""
        return statistics.median(
            mine.wall / theirs.wall for mine, theirs in zip(self.samples, base.samples, strict=True)
        )

    def cpu_bound(self) -> float | None:
        """Worst case wall ratio had every CPU second of discdeck been taken from xorriso."""
        return None if self.own_pct is None else 1 + self.own_pct / 100


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

    def fresh(self, drop: bool = True, *, keep_image: bool = False) -> None:
        for path in (self.floor_target,) if keep_image else (self.image, self.floor_target):
            path.unlink(missing_ok=True)
        if drop and self.cold:
            drop_caches()
        else:
            os.sync()

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


def rounds(
    variants: dict[str, Callable[..., Sample]], n: int, log: Callable[[str], None]
) -> dict[str, Series]:
    """n rounds, the order rotated each round; returns a Series per variant."""
    names = list(variants)
    series = {name: Series(name) for name in names}
    for r in range(n):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            sample = variants[name]()
            series[name].samples.append(sample)
            own = (
                f" own CPU {100 * sample.own / sample.wall:.1f} %" if sample.own is not None else ""
            )
            child = f" child CPU {sample.child:.2f} s" if sample.child else ""
            log(f"  round {r + 1} {name:<8} {sample.wall:7.3f} s{own}{child} {sample.note}")
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="smoke test: 1 round, 1/8 data, 10k tree"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the burn data and images")
    args = parser.parse_args()
    n = 1 if args.quick else args.rounds
    scale = 8 if args.quick else 1
    tree_count = 10_000 if args.quick else 100_000

    started = time.perf_counter()
    CACHE.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="run-", dir=CACHE))
    env = {**os.environ, **private_home(root)}
    sys.path.insert(0, str(REPO))

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    notes: list[str] = []
    cleanup: list[Path] = []
    load_before = os.getloadavg()
    busy_before = busy_processes()
    try:
        from app.engine.runner import check_xorriso

        check_xorriso()  # the version probe is cached per process: keep it out of the timings

        log(f"# making {2048 // scale} MiB of random source data")
        source, files, total = make_burn_source(root, scale)
        burn = Burn(root, source, files)
        dropped = drop_caches()
        if not dropped:
            notes.append(
                f"{CACHE_NOTE[0]}: the page cache could not be dropped, so every variant ran "
                "after one untimed warm-up run, with the source files cached"
            )
        log("# untimed warm-up: one engine burn")
        burn.engine(drop=dropped)
        log(
            "# row 1: burn on disk, page cache dropped (bare xorriso argv / engine / UI / dd floor)"
        )
        burn_series = rounds(
            {"bare": burn.bare, "engine": burn.engine, "ui": burn.ui, "floor": burn.floor}, n, log
        )
        image_size = burn.image.stat().st_size

        log("# row 2: checkread")
        check_series = rounds(
            {
                "bare": lambda: check_bare(burn.image),
                "engine": lambda: check_engine(burn.image),
                "read": lambda: read_floor(burn.image),
                "minimal argv": lambda: check_minimal(burn.image),
            },
            n,
            log,
        )
        from app.engine.inspect import read_medium

        t0 = time.perf_counter()
        read_medium(burn.address)
        reread = time.perf_counter() - t0
        if not args.keep:
            burn.fresh(drop=False)

        mem_series = None
        shm_free = shutil.disk_usage("/dev/shm").free if os.path.isdir("/dev/shm") else 0
        if shm_free > 2 * total:
            mem_rounds = max(n, 1 if args.quick else 3)
            log(f"# row 1, CPU-bound: image on tmpfs, sources cached ({mem_rounds} rounds)")
            shm = Path(tempfile.mkdtemp(prefix="discdeck-bench-", dir="/dev/shm"))
            cleanup.append(shm)
            mem = Burn(shm, source, files, cold=False)
            mem.bare()  # untimed: caches the sources
            mem_series = rounds(
                {"bare": mem.bare, "engine": mem.engine, "ui": mem.ui}, mem_rounds, log
            )
            shutil.rmtree(shm, ignore_errors=True)
        else:
            notes.append("/dev/shm is missing or too small: the CPU-bound (tmpfs) burn was skipped")
        if not args.keep:
            shutil.rmtree(source, ignore_errors=True)

        log(f"# row 3: stage scan of {tree_count} files")
        t0 = time.perf_counter()
        tree = make_tree(tree_count)
        made = time.perf_counter() - t0
        log(f"  tree at {tree} ({f'made in {made:.0f} s' if made > 1 else 'cached'})")
        scan_stage(tree, drop=False)  # warm the cache
        warm_series = rounds(
            {"stage": lambda: scan_stage(tree, False), "du": lambda: scan_du(tree, False)}, n, log
        )
        cold_series = (
            rounds(
                {"stage": lambda: scan_stage(tree, True), "du": lambda: scan_du(tree, True)}, 2, log
            )
            if dropped
            else None
        )

        log("# row 4: cold start to interactive (TOC read of the virtual recorder)")
        child = [PYTHON, str(BENCH / "coldstart_child.py")]
        textual_only = [PYTHON, "-c", "import textual"]
        textual_app = [PYTHON, "-c", "import textual.app, textual.widgets"]
        time_child(child, env, wait_line=True)  # first run: creates the default recorder
        start_cold = None
        if dropped:

            def after_drop(argv: list[str], wait_line: bool) -> Callable[[], Sample]:
                def run() -> Sample:
                    drop_caches()
                    return time_child(argv, env, wait_line=wait_line)

                return run

            start_cold = rounds(
                {
                    "discdeck": after_drop(child, True),
                    "import textual": after_drop(textual_only, False),
                },
                3,
                log,
            )
        start_series = rounds(
            {
                "discdeck": lambda: time_child(child, env, wait_line=True),
                "import textual": lambda: time_child(textual_only, env, wait_line=False),
                "textual.app+widgets": lambda: time_child(textual_app, env, wait_line=False),
                "python -c pass": lambda: time_child([PYTHON, "-c", "pass"], env, wait_line=False),
            },
            max(n, 5),
            log,
        )
    finally:
        for path in cleanup:
            shutil.rmtree(path, ignore_errors=True)
        if not args.keep:
            for name in os.listdir(root):
                shutil.rmtree(root / name, ignore_errors=True)
            shutil.rmtree(root, ignore_errors=True)

    # ---- the table ----
    load_after = os.getloadavg()
    busy_after = busy_processes()
    b, e, u, f = (burn_series[k] for k in ("bare", "engine", "ui", "floor"))
    cb, ce, cr, cm = (check_series[k] for k in ("bare", "engine", "read", "minimal argv"))
    ws, wd = warm_series["stage"], warm_series["du"]
    sd, st, sa, sp = (
        start_series[k]
        for k in ("discdeck", "import textual", "textual.app+widgets", "python -c pass")
    )
    gib = total / 2**30

    def burn_row(tag: str, what: str, s: Series, base: Series, goal: str = "≤ 1.02x, ≤ 5 %") -> str:
        paired = s.paired(base)
        bound = s.cpu_bound()
        if paired <= 1.02 and (s.own_pct or 0) <= 5:
            word = "met"
        elif bound is not None and bound <= 1.02 and paired <= 1 + base.spread:
            word = f"met by the CPU bound {x(bound, 3)} (wall within the bare runs' {100 * base.spread:.0f} % spread)"
        else:
            word = "**MISSED**"
        return (
            f"| {tag} | {what} | {s.wall:.3f} | {x(paired, 3)} | {x(s.wall / base.wall, 3)} | "
            f"{x(s.best / base.best, 3)} | {pct(s.own_pct)} | {goal} | {word} |"
        )

    def base_row(tag: str, what: str, s: Series, goal: str = "baseline") -> str:
        return (
            f"| {tag} | {what} | {s.wall:.3f} | {x(1, 3)} | {x(1, 3)} | {x(1, 3)} | – | {goal} | |"
        )

    def floor_row(tag: str, what: str, s: Series, base: Series) -> str:
        return (
            f"| {tag} | {what} | {s.wall:.3f} | {x(s.paired(base), 3)} | {x(s.wall / base.wall, 3)} | "
            f"{x(s.best / base.best, 3)} | – | floor (ratio to the baseline) | |"
        )

    head = [
        "| # | measure | wall s (median) | ratio (paired, median) | ratio (medians) | ratio (best runs) | discdeck own CPU / wall | goal | verdict |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    rows = [
        base_row(
            "1a",
            f"burn {gib:.2f} GiB to a fresh `stdio:` image on disk, page cache dropped: bare xorriso (discdeck's exact argv)",
            b,
        ),
        burn_row("1b", "same, engine path (`start_burn` + `events()`)", e, b),
        burn_row("1c", "same, UI path (`OperationScreen` until `finished`)", u, b),
        floor_row("1d", "write floor: `cat` the same files \\| `dd conv=fsync` (same disk)", f, b),
    ]
    if mem_series:
        mb, me, mu = (mem_series[k] for k in ("bare", "engine", "ui"))
        rows += [
            base_row("1e", "CPU-bound burn: image on tmpfs, sources cached: bare xorriso", mb),
            burn_row("1f", "same, engine path", me, mb),
            burn_row("1g", "same, UI path", mu, mb),
        ]
    rows += [
        base_row(
            "2a",
            f"checkread of the {image_size / 2**30:.2f} GiB image, cache dropped: bare `xorriso -check_md5_r` (discdeck's exact argv)",
            cb,
        ),
        burn_row("2b", "checkread, engine (`start_check` + `events()`)", ce, cb, "≤ 1.02x"),
        floor_row("2c", "read floor: `dd if=IMG of=/dev/null bs=1M`", cr, cb),
        floor_row("2d", "context: the shortest argv for the same check (no `base_argv()`)", cm, cb),
        base_row("3a", f"`du -s --apparent-size`, {tree_count // 1000}k files, warm cache", wd),
        f"| 3b | `Stage.add` + `Stage.scan`, same tree, warm cache | {ws.wall:.3f} | {x(ws.paired(wd))} | {x(ws.wall / wd.wall)} | {x(ws.best / wd.best)} | {pct(ws.own_pct)} | ≤ 1.5x | {verdict(ws.paired(wd) <= 1.5)} |",
    ]
    if cold_series:
        cs, cd = cold_series["stage"], cold_series["du"]
        rows.append(
            f"| 3c | stage scan vs du, page cache dropped ({len(cs.samples)} runs each; du {cd.wall:.3f} s) | {cs.wall:.3f} | {x(cs.paired(cd))} | {x(cs.wall / cd.wall)} | {x(cs.best / cd.best)} | {pct(cs.own_pct)} | ≤ 1.5x | {verdict(cs.paired(cd) <= 1.5)} |"
        )
    rows += [
        f"| 4a | cold start to interactive (fresh process): spawn → `app.report` set (virtual recorder TOC read) | {sd.wall:.3f} | {x(sd.paired(st))} vs 4b | {x(sd.wall / st.wall)} vs 4b | {x(sd.best / st.best)} vs 4b | – | ≤ 0.8 s | {verdict(sd.wall <= 0.8)} |",
        f'| 4b | `python -c "import textual"` | {st.wall:.3f} | {x(1)} | {x(1)} | {x(1)} | – | context | |',
        f'| 4c | `python -c "import textual.app, textual.widgets"` | {sa.wall:.3f} | {x(sa.paired(st))} vs 4b | {x(sa.wall / st.wall)} vs 4b | {x(sa.best / st.best)} vs 4b | – | context | |',
        f"| 4d | `python -c pass` | {sp.wall:.3f} | {x(sp.paired(st))} vs 4b | {x(sp.wall / st.wall)} vs 4b | {x(sp.best / st.best)} vs 4b | – | context | |",
    ]
    if start_cold is not None:
        dc, ic = start_cold["discdeck"], start_cold["import textual"]
        rows.append(
            f"| 4e | the same with the page cache dropped before each run ({len(dc.samples)} runs; `import textual` alone then {ic.wall:.3f} s) | {dc.wall:.3f} | {x(dc.paired(ic))} vs import | {x(dc.wall / ic.wall)} vs import | {x(dc.best / ic.best)} vs import | – | ≤ 0.8 s (stricter than asked) | {verdict(dc.wall <= 0.8)} |"
        )
    table = "\n".join([*head, *rows])

    detail = [
        "| series | runs (s, in order) | median | best | spread (max-min)/median | child CPU s (median) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    groups = [
        ("burn (disk)", burn_series),
        ("burn (tmpfs)", mem_series or {}),
        ("check", check_series),
    ]
    groups += [
        ("scan warm", warm_series),
        ("scan cold", cold_series or {}),
        ("start", start_series),
        ("start, cache dropped", start_cold or {}),
    ]
    for group, series in groups:
        for s in series.values():
            child = "–" if s.child is None else f"{s.child:.2f}"
            detail.append(
                f"| {group}: {s.name} | {s.runs()} | {s.wall:.3f} | {s.best:.3f} | {100 * s.spread:.0f} % | {child} |"
            )

    method = [
        f"- Row 1: {len(files)} source files ({gib:.2f} GiB from `os.urandom`: 5 files of 128-512 MiB "
        "and 200 small ones in 10 folders), staged as one `-map SOURCE /data`, default `BurnOptions` "
        "with `verify=False` (so `-md5 on`, `-stdio_sync 256k`, `-pacifier interval=1`), written to a "
        f"fresh `stdio:` image ({image_size / 2**30:.2f} GiB). 1a-1d: image on the same disk as the "
        f"sources, {n} runs per variant, the order rotated each round (bare, engine, UI, floor / engine, "
        "UI, floor, bare / ...); before every timed run the image is deleted, then `sync` and "
        "`echo 3 > /proc/sys/vm/drop_caches`"
        + (
            " (it worked: every run reads its sources cold)."
            if dropped
            else " (it failed; see notes)."
        )
        + " 1e-1g: the same burn with the image on /dev/shm and the sources in the page cache, so "
        "xorriso is CPU-bound (MD5 + ISO writing) and any CPU discdeck takes shows; "
        + (f"{len(mem_series['bare'].samples)} rounds, rotated. " if mem_series else "skipped. ")
        + "Bare xorriso gets exactly `[*base_argv(), *burn_commands(...)]` (asserted equal to the "
        "engine's and the UI's argv), stdout/stderr to /dev/null.",
        "- 1b/1f: wall from `start_burn()` to the end of `for p in op.events()`, no journal. 1c/1g: a "
        "headless `DiscdeckApp().run_test()` (80×24) first waits for the main screen's TOC read, then "
        "pushes `OperationScreen(plan)` with the same burn Plan "
        "as the app's burn flow does (journal written); wall ends when `screen.finished` turns True "
        "(stamped by a property setter, no polling), so it includes the screen's post-burn "
        f"`read_medium` re-read ({reread * 1000:.0f} ms here). Own CPU = `getrusage(RUSAGE_SELF)` user+sys delta (every "
        "thread of this process, children excluded) / wall, median of the runs.",
        "- 1d: `cat FILES | dd of=T bs=1M iflag=fullblock conv=fsync`: the same bytes read cold and "
        "written once to the same disk. xorriso also MD5s every byte and syncs every 256 KiB "
        "(`-stdio_sync 256k`), so 1a/1d is the price of xorriso itself, not of discdeck.",
        "- On disk, xorriso's own CPU grows with its wall (its threads poll while the disk is busy): "
        'a run that meets a slow phase of the disk shows more wall and more child CPU (see "Every '
        'run"), so a ratio below 1x there is the state of the disk, not discdeck beating xorriso.',
        '- Ratios: "paired" is the median of run-by-run ratios within a round (the two runs came '
        "next to each other, so a slow phase of the shared machine hits both); it gives the verdict. "
        "Where the wall ratio misses 1.02x but stays inside the bare runs' own spread, the verdict "
        "falls back to the CPU bound (next point), which the machine's load cannot blur.",
        "- Row 2: the image of the last disk burn; page cache dropped before each run. The bare command "
        "is the engine's exact argv, `[*base_argv(), *check_commands(...)]` (asserted equal); 2d is "
        "`xorriso -no_rc -md5 on -indev stdio:IMG -check_md5_r sorry / --`, without `base_argv()` "
        "(`-pkt_output on`, `-report_about UPDATE`, ...).",
        f"- Row 3: {tree_count} files of 0-4 KiB random bytes in {tree_count // 100} folders of 100 "
        f"(cached at {CACHE}/tree{tree_count // 1000}k between bench runs; delete it to rebuild). The "
        "stage scan is timed in-process (`Stage().add(tree)` + iterate `scan('/')`); du is a subprocess "
        f"(its spawn counts). Warm: one untimed scan first, medians of {n}; cold: page cache dropped "
        "before each.",
        "- Row 4: wall from `Popen` of `python bench/coldstart_child.py` (imports `app.tui.app`, runs "
        "`DiscdeckApp().run_test()`, polls `app.report is not None` every 5 ms, prints READY) to the "
        "READY line; the private XDG home already holds the default virtual recorder (a blank "
        f"DVD image) from an untimed first run. {max(n, 5)} rounds, rotated; medians. 4e: 3 rounds "
        "with the page cache dropped before every run (the issue asks for a fresh process; 4e is "
        "the stricter case of a first start after boot).",
        f"- HOME and XDG_* pointed at a temporary folder under {CACHE}; source data, images and that "
        "folder are removed at the end.",
        f"- Load: this is a shared 2-core machine. Load average {load_before[0]:.2f} at the start and "
        f"{load_after[0]:.2f} at the end; other busy processes at the start: {busy_before}; at the end: "
        f"{busy_after}. Identical bare xorriso runs spread by {100 * b.spread:.0f} % (disk)"
        + (f" and {100 * mem_series['bare'].spread:.0f} % (tmpfs)" if mem_series else "")
        + ' (max-min over median, see "Every run")'
        + (
            ": more than the 2 % goal, so the wall medians cannot resolve 1.02x in this run; the "
            "own-CPU column (what discdeck takes away from xorriso) is the robust figure."
            if b.spread > 0.04
            else "."
        ),
        "- Robust bound: had every CPU second discdeck spent been taken from xorriso, a burn "
        "would be at most (1 + own CPU / wall) times the bare one: "
        + ", ".join(
            f"{label} {x(1 + (series.own_pct or 0) / 100, 3)}"
            for label, series in (
                ("engine (disk)", e),
                ("UI (disk)", u),
                *(
                    (("engine (tmpfs)", mem_series["engine"]), ("UI (tmpfs)", mem_series["ui"]))
                    if mem_series
                    else ()
                ),
            )
        )
        + ". That bound, unlike the wall medians, is not blurred by the machine's other load.",
        "- Whole bench: {elapsed}.",
    ]
    elapsed = time.perf_counter() - started
    method[-1] = method[-1].replace("{elapsed}", f"{elapsed / 60:.1f} min")
    for note in notes:
        method.append(f"- Note: {note}")

    print(table)
    if not args.quick:
        text = "\n".join(
            [
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
                table,
                "",
                "## How it was measured",
                "",
                *method,
                "",
                "## Every run",
                "",
                *detail,
                "",
            ]
        )
        (BENCH / "RESULTS.md").write_text(text)
        log(f"# wrote {BENCH / 'RESULTS.md'} ({elapsed / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
