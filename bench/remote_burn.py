"""A session burned to a stdio: target through ssh on 127.0.0.1 against the same burn done
locally (issue 17's row: <= 1.1x), with `ssh host 'cat > target' < image` as context.

Rows (wall times, --rounds rounds interleaved, median and min; verify off so only the burn
is timed):
  local       start_burn to a local stdio: image (xorriso reads the files, MD5, writes)
  stream      the same burn to a blank ssh://127.0.0.1/stdio:... image, as discdeck plans it
              when a cut ruins nothing: the session image built here, streamed in frames
              and written there through the image path (app/engine/remote_stream.py)
  copy        the same Plan with the medium unknown (as for write-once media or appends):
              the staged files sent as one tar stream in the job's start call, then the
              remote xorriso burns
  pipe        the alternative: the session image built here by xorriso to stdout, piped
              through ssh into `xorriso -as cdrecord dev=stdio:TARGET -` there
  cat         context: the finished image sent with `ssh host 'cat > target' < image`
  write       context: `write` of the local row's image to a local stdio: image
  wstream     `write` of that image to a blank ssh://127.0.0.1/stdio: image: the file
              streamed as it is read (compare with write)

A private sshd (tests/sshd.py) serves 127.0.0.1; everything lives in a temp folder.
Usage (repo root): PYTHONPATH=. python bench/remote_burn.py [--mib 1024] [--rounds 3]
[--speed 16d] [--pin] (--speed: written at a real drive's pace, where a copy first adds its
whole transfer time and a stream overlaps it; --pin: the two ends as two 1-core machines,
since on one machine both ends of the stream compete for the same cores, which a remote
drive's host does not)
Say the machine's load (printed) when quoting the figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.sshd import start_sshd


def _timed(action) -> float:
    start = time.monotonic()
    action()
    return time.monotonic() - start


def _burn(address: str, *, stream: bool = False) -> None:
    from app.engine.commands import BurnOptions, MapEntry
    from app.engine.inspect import read_medium
    from app.jobs.plans import Target, burn_plan
    from app.jobs.start import start_job

    media = read_medium(address).toc.media  # as `discdeck burn` does, local or remote
    if not stream:
        media = None  # unknown medium: copied first
    plan = burn_plan(Target(address, media=media), [MapEntry(os.environ["BENCH_SRC"], "/d")],
                     BurnOptions(volume_id="BENCH", verify=False,
                                 speed=os.environ.get("BENCH_SPEED", "max")))  # fmt: skip
    assert ("stream" in plan.params) == stream, plan.params.keys()
    job = start_job(plan)
    for _ in job.events():
        pass
    assert job.result is not None and job.result.outcome == "ok", job.result


def _write(address: str, image: Path) -> None:
    from app.engine.commands import BurnOptions
    from app.engine.inspect import read_medium
    from app.jobs.plans import Target, write_image_plan
    from app.jobs.start import start_job

    target = Target(address, media=read_medium(address).toc.media)
    options = BurnOptions(verify=False, speed=os.environ.get("BENCH_SPEED", "max"))
    job = start_job(write_image_plan(target, str(image), options))
    for _ in job.events():
        pass
    assert job.result is not None and job.result.outcome == "ok", job.result


def _actions(work: Path, url: str, ssh: list[str], speed: str) -> dict[str, Callable[[], object]]:
    """Each row's timed action (the local burn first: its image is the others' input)."""
    # -as mkisofs writes to stdout when it is xorriso's first argument (not after -no_rc)
    build = ["xorriso", "-as", "mkisofs", "-r", "-J", "--md5", "-V", "BENCH",
             "-graft-points", f"/d={work / 'src'}"]  # fmt: skip
    pace = f" speed={speed}" if speed != "max" else ""
    write = f"xorriso -no_rc -as cdrecord dev=stdio:{work / 'pipe.iso'}{pace} -"

    def cat() -> None:
        with (work / "local.iso").open("rb") as image:
            subprocess.run([*ssh, f"cat > {work / 'cat.iso'}"], stdin=image, check=True)

    def write_local() -> None:
        (work / "w.iso").touch()
        _write(f"stdio:{work / 'w.iso'}", work / "local.iso")

    return {
        "local": lambda: _burn(f"stdio:{work / 'local.iso'}"),
        "stream": lambda: _burn(f"{url}/stdio:{work / 'stream.iso'}", stream=True),
        "copy": lambda: _burn(f"{url}/stdio:{work / 'copy.iso'}"),
        "pipe": lambda: subprocess.run(
            f"{' '.join(build)} 2>/dev/null | {' '.join(ssh)} '{write}' >/dev/null 2>&1",
            shell=True, check=True),
        "cat": cat,
        "write": write_local,
        "wstream": lambda: _write(f"{url}/stdio:{work / 'ws.iso'}", work / "local.iso"),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=1024, help="session size in MiB")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, rows interleaved")
    parser.add_argument("--speed", default="max", help="write speed, e.g. 16d: a real drive's pace")
    parser.add_argument("--rows", default="stream,copy,pipe,cat,write,wstream",
                        help="rows besides local, comma-separated")
    parser.add_argument("--pin", action="store_true",
                        help="two 1-core machines: sshd and all it starts on CPU 1, the rest on CPU 0")  # fmt: skip
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rb"))
    server = start_sshd(work / "sshd")
    if args.pin:  # sessions inherit the listener's CPU; ssh, xorriso here inherit ours
        os.sched_setaffinity(server.process.pid, {1})
        os.sched_setaffinity(0, {0})
    os.environ.update(DISCDECK_SSH=server.ssh_env, XDG_STATE_HOME=str(work / "state"),
                      XDG_RUNTIME_DIR=str(work), BENCH_SRC=str(work / "src"), BENCH_SPEED=args.speed)  # fmt: skip
    ssh = ["ssh", "-F", str(server.ssh_config), "-p", str(server.port), "127.0.0.1"]
    try:
        (work / "src").mkdir()
        with (work / "src" / "data.bin").open("wb") as file:
            for _ in range(args.mib):
                file.write(os.urandom(1 << 20))
        load = Path("/proc/loadavg").read_text().split()[:3]
        actions = _actions(work, server.url, ssh, args.speed)
        names = [name for name in actions if name in args.rows.split(",")]
        rows: dict[str, list[float]] = {name: [] for name in ["local", *names] if name in actions}
        for _round in range(args.rounds):
            for name in ("local.iso", "stream.iso", "copy.iso", "pipe.iso", "cat.iso", "w.iso", "ws.iso"):
                (work / name).unlink(missing_ok=True)
            (work / "local.iso").touch()  # a blank image: `burn` reads its TOC first
            for name in rows:
                rows[name].append(_timed(actions[name]))
        after = Path("/proc/loadavg").read_text().split()[:3]
        pinned = ", pinned: here CPU 0, there CPU 1" if args.pin else ""
        print(f"session {args.mib} MiB at speed {args.speed}{pinned}, {args.rounds} rounds, load before {' '.join(load)}, "
              f"after {' '.join(after)}")  # fmt: skip
        local = statistics.median(rows["local"])
        for name, walls in rows.items():
            median = statistics.median(walls)
            print(f"{name:<7} median {median:7.2f} s  min {min(walls):7.2f} s   "
                  f"{median / local:5.2f}x local (per round: "
                  f"{' '.join(f'{w / b:.2f}' for w, b in zip(walls, rows['local'], strict=True))})")  # fmt: skip
    finally:
        from app.engine.remote_address import parse_host
        from app.engine.ssh import close_shared

        close_shared(parse_host(server.url))
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
