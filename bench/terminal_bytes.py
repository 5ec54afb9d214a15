"""Bench: the bytes discdeck writes to its terminal per second during a burn (issue 12).

Goal: at most 1 KB/s while writing, so a burn can be watched over a slow ssh link or a
9600-baud serial console (960 B/s). Measured through a real pty: `python -m app --add
SOURCE` runs as the child of `pty.fork()` at a fixed window size (TIOCSWINSZ before exec,
TERM=xterm-256color) with a private HOME and XDG dirs; the bench types `b` and `y` into the
pty as a person would, and the burn runs on the virtual recorder at `-speed 4d` (set in the
stage file beforehand), so it lasts about as long as on a 4x DVD. Every byte the app writes
to the pty is counted with its arrival time. The writing phase is the span between the first
and the last xorriso `Writing:` line in the operation's journal (the harness polls it).

`--rows` also prints which screen rows the bytes went to (the cursor-position escapes tell
which row each run of text is written to): that is how the costly parts were found.
Appends its table to bench/RESULTS.md (run by bench/run). Counts bytes, not time, so the
load of the shared machine changes little; several runs show the spread.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from discdeck_bench import CACHE, PYTHON, REPO, MiB, append_results, write_random

GOAL = 1000
"""Bytes per second at most while writing (issue 12)."""
SPEED = "4d"
SOURCE_MIB = 200
"""At 4x DVD (5.54 MB/s) about 38 s of writing."""
SIZES = ((80, 24), (120, 40))
SETTLE = 3.0
"""Seconds at the start of the writing phase left out of the steady figures: the job screen's
first paint (a whole screen, once) falls in them and is reported on its own."""
CURSOR = re.compile(rb"\x1b\[(\d+);(\d+)H")


@dataclass
class Capture:
    size: tuple[int, int]
    chunks: list[tuple[float, bytes]] = field(default_factory=list)
    """(monotonic time, bytes) as read from the pty master."""
    writing: tuple[float, float] | None = None
    confirmed: float = 0.0
    """When `y` was typed: the job screen opens."""
    outcome: str = ""

    def steady(self) -> tuple[float, float]:
        """The writing phase less its first SETTLE seconds."""
        assert self.writing is not None
        return self.writing[0] + SETTLE, self.writing[1]

    def window(self) -> list[tuple[float, bytes]]:
        start, end = self.steady()
        return [(t, data) for t, data in self.chunks if start <= t < end]

    def opening(self) -> int:
        """Bytes from `y` to the start of the steady window: the job screen's first paint."""
        end = self.steady()[0]
        return sum(len(data) for t, data in self.chunks if self.confirmed <= t < end)

    def mean(self) -> float:
        start, end = self.steady()
        return sum(len(data) for _, data in self.window()) / (end - start)

    def per_second(self) -> list[int]:
        start, end = self.steady()
        buckets = [0] * max(int(end - start), 1)
        for t, data in self.window():
            index = int(t - start)
            if index < len(buckets):  # the last partial second is left out
                buckets[index] += len(data)
        return buckets


# ---- the child: private home, stage file, pty ----------------------------------------------------


def child_env(root: Path, columns: int, lines: int) -> dict[str, str]:
    """The app's environment: nothing of the real HOME, no variable that changes the output."""
    home = root / "home"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local/state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "TERM": "xterm-256color",
        "COLUMNS": str(columns),
        "LINES": str(lines),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(REPO),
    }
    for key in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        Path(env[key]).mkdir(parents=True, exist_ok=True, mode=0o700)
    return env


def write_stage(env: dict[str, str], speed: str) -> None:
    """An empty stage whose burn options say `speed`: what the options screen (a, o) saves."""
    from app.engine.options import BurnOptions
    from app.stage.model import Stage
    from app.stage.store import save_stage

    stage = Stage(options=BurnOptions(speed=speed))
    save_stage(stage, Path(env["XDG_STATE_HOME"]) / "discdeck" / "stage.json")


def spawn(argv: list[str], env: dict[str, str], columns: int, lines: int) -> tuple[int, int]:
    """(pid, master fd) of `argv` on a new pty of that size, as its controlling terminal."""
    pid, master = pty.fork()
    if pid == 0:  # the child: size the pty before the app asks it, then become the app
        try:
            os.chdir(env["HOME"])
            winsize = struct.pack("HHHH", lines, columns, 0, 0)
            fcntl.ioctl(sys.stdin.fileno(), termios.TIOCSWINSZ, winsize)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    return pid, master


def reap(pid: int, master: int, root: Path) -> None:
    """End the app and everything it started (the detached xorriso too); never anything else."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG)[0]:
            break
        drain(master, 0.1)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    for other in ours(root):  # detached jobs live in sessions of their own
        with contextlib.suppress(ProcessLookupError):
            os.kill(other, signal.SIGKILL)
    os.close(master)


def ours(root: Path) -> list[int]:
    """Processes whose HOME is this bench's private one: only what the bench started."""
    marker = f"HOME={root / 'home'}\0".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if marker in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
    return found


def drain(master: int, timeout: float) -> bytes:
    ready, _, _ = select.select([master], [], [], timeout)
    if not ready:
        return b""
    try:
        return os.read(master, 65536)
    except OSError:  # EIO: the child closed the pty
        return b""


# ---- one burn -------------------------------------------------------------------------------------


class Session:
    """The app on a pty, its output counted; keys typed when the screen shows a marker."""

    def __init__(self, root: Path, source: Path, size: tuple[int, int]) -> None:
        self.root = root
        self.capture = Capture(size)
        self.env = child_env(root, *size)
        write_stage(self.env, SPEED)
        argv = [PYTHON, "-m", "app", "--add", str(source)]
        self.pid, self.master = spawn(argv, self.env, *size)
        self.journal_dir = Path(self.env["XDG_STATE_HOME"]) / "discdeck" / "journal"

    def pump(self, seconds: float) -> bytes:
        """Read the pty for `seconds`; the bytes that came."""
        got = b""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            data = drain(self.master, min(left, 0.05))
            if data:
                self.capture.chunks.append((time.monotonic(), data))
                got += data
        return got

    def wait_for(self, marker: bytes, seconds: float) -> None:
        seen = b""
        deadline = time.monotonic() + seconds
        while marker not in seen:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{marker!r} not on screen within {seconds} s")
            seen = seen[-4096:] + self.pump(0.1)

    def press(self, key: str) -> None:
        os.write(self.master, key.encode())

    def journal(self) -> str:
        logs = sorted(self.journal_dir.glob("*-burn*.log")) if self.journal_dir.exists() else []
        return logs[0].read_text(errors="replace") if logs else ""

    def follow_burn(self, limit: float) -> None:
        """Pump until the burn's journal is finished; stamp the writing phase meanwhile."""
        first = last = None
        writes = 0
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            self.pump(0.2)
            text = self.journal()
            count = text.count("UPDATE : Writing:")
            if count and first is None:
                first = time.monotonic()
            if count > writes:
                writes, last = count, time.monotonic()
            if "\noutcome: " in text:
                self.capture.outcome = text.split("\noutcome: ")[1].split()[0]
                break
        if first is None or last is None or last - first < 5:
            raise RuntimeError(f"no writing phase seen (outcome {self.capture.outcome!r})")
        self.capture.writing = (first, last)


def one_burn(source: Path, size: tuple[int, int]) -> Capture:
    """One burn typed as a person does it; the app and its temp home are gone afterwards."""
    root = Path(tempfile.mkdtemp(prefix="termbytes-", dir=CACHE))
    session = None
    try:
        session = Session(root, source, size)
        session.wait_for(b"virtual", 60)  # the drive list is shown
        for attempt in range(3):  # b before the medium is read says "no drive": again
            session.pump(2.0)
            session.press("b")
            try:
                session.wait_for(b"y yes", 30)  # the confirmation, after the preflight
                break
            except TimeoutError:
                if attempt == 2:
                    raise
        session.pump(0.5)
        session.press("y")
        session.capture.confirmed = time.monotonic()
        session.follow_burn(600)
        session.pump(2.0)  # the result and the re-read medium
        return session.capture
    finally:
        if session is not None:
            reap(session.pid, session.master, root)
        shutil.rmtree(root, ignore_errors=True)


def make_source(root: Path, mib: int) -> Path:
    source = root / "source"
    source.mkdir(parents=True)
    for index in range(4):
        write_random(source / f"part{index}.bin", mib * MiB // 4)
    return source


# ---- where the bytes go ---------------------------------------------------------------------------


def bytes_by_row(chunks: list[tuple[float, bytes]]) -> Counter[int]:
    """Bytes written after each cursor move to row N (escapes and the move itself included)."""
    rows: Counter[int] = Counter()
    stream = b"".join(data for _, data in chunks)
    row, at = 0, 0
    for match in CURSOR.finditer(stream):
        rows[row] += match.start() - at
        row, at = int(match.group(1)), match.start()
    rows[row] += len(stream) - at
    return rows


def print_rows(capture: Capture) -> None:
    start, end = capture.steady()
    print(
        f"  writing starts {capture.writing[0] - capture.confirmed:.2f} s after y", file=sys.stderr
    )
    for t, data in capture.chunks:
        if capture.confirmed <= t < start:
            print(f"    {t - capture.confirmed:6.2f} {len(data):6d}", file=sys.stderr)
    rows = bytes_by_row(capture.window())
    print(f"  bytes/s by screen row ({capture.size[0]}x{capture.size[1]}):", file=sys.stderr)
    for row, count in sorted(rows.items()):
        print(f"    row {row:3d}: {count / (end - start):7.1f}", file=sys.stderr)


def dump(capture: Capture, folder: Path) -> None:
    """The steady window's chunks, each after a line with its time (for reading by eye)."""
    folder.mkdir(parents=True, exist_ok=True)
    start = capture.steady()[0]
    with open(folder / f"{capture.size[0]}x{capture.size[1]}.bin", "wb") as out:
        for t, data in capture.window():
            out.write(f"\n=== {t - start:.3f} {len(data)}\n".encode() + data)


# ---- main -----------------------------------------------------------------------------------------


def describe(capture: Capture) -> str:
    seconds = capture.per_second()
    start, end = capture.writing or (0.0, 0.0)
    return (
        f"{capture.size[0]}x{capture.size[1]}: mean {capture.mean():.0f} B/s, peak "
        f"{max(seconds)} B in a second, {end - start:.1f} s of writing, "
        f"screen opening {capture.opening()} B, "
        f"{capture.outcome}, per second: {seconds}"
    )


def table(results: dict[tuple[int, int], list[Capture]], mib: int) -> list[str]:
    lines = [
        "",
        "## Terminal output during a burn (bench/terminal_bytes.py)",
        "",
        "| size | runs | mean B/s while writing (median) | each run | peak B in one second "
        "(max) | job screen's first paint, B (median) | ratio to goal | goal | verdict |",
        "|---|---:|---:|---|---:|---:|---:|---|---|",
    ]
    for (cols, rows), captures in results.items():
        means = [c.mean() for c in captures]
        peak = max(max(c.per_second()) for c in captures)
        mean = statistics.median(means)
        opening = statistics.median(c.opening() for c in captures)
        lines.append(
            f"| {cols}x{rows} | {len(captures)} | {mean:.0f} | "
            f"{', '.join(f'{m:.0f}' for m in means)} | {peak} | {opening:.0f} | "
            f"{mean / GOAL:.2f}x | ≤ {GOAL} B/s | {'met' if mean <= GOAL else '**MISSED**'} |"
        )
    lines += [
        "",
        f"`python -m app --add SOURCE` ({mib} MiB of random files) as the child of `pty.fork()` "
        "at the window size shown (TIOCSWINSZ before exec, TERM=xterm-256color, a private HOME "
        f"and XDG dirs), the stage's speed set to `{SPEED}` in its stage file; the bench types "
        "`b`, waits for the confirmation, types `y`: a burn on the virtual recorder at 4x DVD "
        "pace. Every byte read from the pty master is counted. The writing phase runs from the "
        "first to the last xorriso `Writing:` line of the burn's journal (polled every 0.2 s); "
        f"its first {SETTLE:.0f} s hold the job screen's first paint (a whole screen, once; "
        "from `y` on, shown on its own) and are left out of the mean and the peak. Mean = "
        "bytes / seconds of the rest; peak = the most bytes in one whole second of it. "
        "Bytes, not time: the machine's load moves these figures little (see each run).",
        "",
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="burns per window size")
    parser.add_argument("--mib", type=int, default=SOURCE_MIB, help="source size")
    parser.add_argument("--size", action="append", help="COLSxROWS (default: 80x24, 120x40)")
    parser.add_argument("--rows", action="store_true", help="print bytes/s by screen row")
    parser.add_argument("--dump", type=Path, help="write each capture's raw bytes here")
    parser.add_argument("--no-results", action="store_true", help="do not touch RESULTS.md")
    args = parser.parse_args()
    sizes = [tuple(map(int, s.split("x"))) for s in args.size] if args.size else list(SIZES)
    CACHE.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="termbytes-src-", dir=CACHE))
    results: dict[tuple[int, int], list[Capture]] = {}
    try:
        source = make_source(data, args.mib)
        for _ in range(args.runs):
            for size in sizes:
                capture = one_burn(source, size)  # type: ignore[arg-type]
                results.setdefault(capture.size, []).append(capture)
                print(describe(capture), file=sys.stderr)
                if args.rows:
                    print_rows(capture)
                if args.dump:
                    dump(capture, args.dump)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    lines = table(results, args.mib)
    if args.no_results:
        print("\n".join(lines))
    else:
        append_results(lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
