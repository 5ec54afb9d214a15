"""The detach wrapper: xorriso in a session of its own, so it outlives the UI.

Run as `python -I -S detach_wrapper.py RUN_DIR -- ARGV...` (standard library only, so it
starts fast and cannot be broken by site-packages), with stdout/stderr already pointing at
RUN_DIR/stdout and RUN_DIR/stderr: it starts xorriso in a process group of its own, ignores
SIGHUP, forwards SIGINT/SIGTERM to xorriso (so exactly one signal reaches it), waits, writes
RUN_DIR/exit atomically and releases the drive lock. The run-file primitives below are
shared with the reader side (app/engine/detach.py), so both agree on the format.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """temp file + rename: a reader sees the old content or the new, never half."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as file:
        file.write(text)
    # No fsync: these files describe live processes, which a crash of the machine ends too;
    # an fsync on a busy disk put up to half a second in every job's wall.
    os.replace(temp, path)


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8", errors="surrogateescape"))
    except (OSError, ValueError):
        return None


def start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks (tells a pid from its reuse); None: gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return None if fields[0] in ("Z", "X") else fields[19]


def release_lock(lock: Path, run_id: str) -> None:
    info = read_json(lock)
    if info is not None and info.get("run") == run_id:
        lock.unlink(missing_ok=True)


def main(args: Sequence[str]) -> int:
    if len(args) < 3 or args[1] != "--":
        print("usage: python -I -S detach_wrapper.py RUN_DIR -- ARGV...", file=sys.stderr)
        return 2
    run_dir, argv = Path(args[0]), list(args[2:])
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    child: subprocess.Popen | None = None
    pending: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        if child is None:
            pending.append(signum)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    meta = read_json(run_dir / "meta.json") or {}
    try:
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, process_group=0)
    except OSError as exc:
        print(f"discdeck: cannot start {argv[0]}: {exc}", file=sys.stderr, flush=True)
        returncode = 127
    else:
        meta.update(
            wrapper_pid=os.getpid(), wrapper_ticks=start_ticks(os.getpid()),
            xorriso_pid=child.pid, xorriso_ticks=start_ticks(child.pid),
        )  # fmt: skip
        write_atomic(run_dir / "meta.json", json.dumps(meta))
        for signum in pending:
            forward(signum, None)
        returncode = child.wait()
    write_atomic(run_dir / "exit", f"{returncode}\n")
    if meta.get("lock"):
        release_lock(Path(meta["lock"]), run_dir.name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
