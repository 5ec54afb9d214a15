"""The detach wrapper: xorriso in a session of its own, so it outlives the UI.

Run as `python -I -S detach_wrapper.py RUN_DIR -- ARGV...` (standard library only, so it
starts fast and cannot be broken by site-packages), with stdout/stderr already pointing at
RUN_DIR/stdout and RUN_DIR/stderr: it starts xorriso in a process group of its own, ignores
SIGHUP, forwards SIGINT/SIGTERM to xorriso (so exactly one signal reaches it), waits, writes
RUN_DIR/exit atomically and releases the drive lock. The run-file primitives below are
shared with the reader side (app/engine/detach.py), so both agree on the format.

Only small modules (os, signal, sys, contextlib) are imported before xorriso is started:
importing subprocess, json and pathlib first took ~30 ms, which sat between every job's start
and xorriso's (bench/xorriso_cpu.py --job check). json comes after the spawn, when needed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """temp file + rename: a reader sees the old content or the new, never half."""
    path = os.fspath(path)
    head, name = os.path.split(path)
    temp = os.path.join(head, f".{name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as file:
        file.write(text)
    # No fsync: these files describe live processes, which a crash of the machine ends too;
    # an fsync on a busy disk put up to half a second in every job's wall.
    os.replace(temp, path)


def write_json(path: str | os.PathLike[str], data: dict) -> None:
    import json  # not at the top: the wrapper needs it only once xorriso runs

    write_atomic(path, json.dumps(data))


def read_json(path: str | os.PathLike[str]) -> dict | None:
    import json  # not at the top: the wrapper needs it only once xorriso runs

    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as file:
            return json.loads(file.read())
    except (OSError, ValueError):
        return None


def start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks (tells a pid from its reuse); None: gone."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            stat = file.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return None if fields[0] in ("Z", "X") else fields[19]


def release_lock(lock: str | os.PathLike[str], run_id: str) -> None:
    info = read_json(lock)
    if info is not None and info.get("run") == run_id:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock)


def spawn(argv: list[str]) -> int:
    """fork + exec, as subprocess does, without importing it: xorriso in a process group of
    its own, stdin from /dev/null, SIGPIPE and SIGXFSZ back to their defaults (Python ignores
    them), SIGHUP still ignored. (posix_spawn would leave glibc's SIGCANCEL ignored.)"""
    pid = os.fork()
    if pid:
        return pid
    try:  # the child: never return into the wrapper's code
        os.setpgid(0, 0)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGXFSZ):
            signal.signal(signum, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        os.execvp(argv[0], argv)
    except OSError as exc:
        os.write(2, f"discdeck: cannot start {argv[0]}: {exc}\n".encode(errors="replace"))
    finally:
        os._exit(127)


def wait(pid: int) -> int:
    """xorriso's exit status as subprocess gives it (-N: killed by signal N)."""
    _pid, status = os.waitpid(pid, 0)  # interrupted by a forwarded signal: retried (PEP 475)
    return os.waitstatus_to_exitcode(status)


def main(args: list[str]) -> int:
    if len(args) < 3 or args[1] != "--":
        print("usage: python -I -S detach_wrapper.py RUN_DIR -- ARGV...", file=sys.stderr)
        return 2
    run_dir, argv = args[0], list(args[2:])
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    child: list[int] = []
    pending: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        if not child:
            pending.append(signum)
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(child[0], signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    meta_path = os.path.join(run_dir, "meta.json")
    try:
        child.append(spawn(argv))  # a child that cannot exec says why on stderr, exits 127
    except OSError as exc:  # no fork
        print(f"discdeck: cannot start {argv[0]}: {exc}", file=sys.stderr, flush=True)
        meta, returncode = read_json(meta_path) or {}, 127
    else:
        meta = read_json(meta_path) or {}
        meta.update(
            wrapper_pid=os.getpid(), wrapper_ticks=start_ticks(os.getpid()),
            xorriso_pid=child[0], xorriso_ticks=start_ticks(child[0]),
        )  # fmt: skip
        write_json(meta_path, meta)
        for signum in pending:
            forward(signum, None)
        returncode = wait(child[0])
    write_atomic(os.path.join(run_dir, "exit"), f"{returncode}\n")
    if meta.get("lock"):
        release_lock(meta["lock"], os.path.basename(os.path.normpath(run_dir)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
