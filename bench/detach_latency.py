"""What the detach wrapper adds to a job's wall: the two latencies it puts on the critical path.

start: from just before the wrapper is spawned (`DetachedProcess._spawn`) until xorriso is
       exec'd (a shim named by DISCDECK_XORRISO stamps the time, then execs the real xorriso);
end:   from the wrapper writing RUN_DIR/exit (its mtime: the file system's coarse clock, a few
       ms) until `events()` has ended.
The job is a checkread of a 1 MiB image (no pacifier ticks), so xorriso's own noise stays out.

Usage (repo root): PYTHONPATH=. python bench/detach_latency.py [--rounds 40]
To compare two checkouts, run it in each with the same load, alternating.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHIM = '#!/bin/sh\ndate +%s.%N >> "$DETACH_LATENCY_STAMPS"\nexec xorriso "$@"\n'


def setup(work: Path) -> str:
    """A shim xorriso that stamps its start, and a 1 MiB image with MD5 tags."""
    shim = work / "xorriso-shim"
    shim.write_text(SHIM)
    shim.chmod(0o755)
    os.environ.update(DISCDECK_XORRISO=str(shim), DETACH_LATENCY_STAMPS=str(work / "stamps"))
    os.environ["XDG_STATE_HOME"] = str(work / "state")
    (work / "src").mkdir()
    (work / "src" / "data.bin").write_bytes(os.urandom(1 << 20))
    image = work / "tiny.iso"
    argv = ["xorriso", "-no_rc", "-md5", "on", "-dev", f"stdio:{image}"]
    subprocess.run(
        [*argv, "-map", str(work / "src"), "/d", "-commit"], check=True, capture_output=True
    )
    return f"stdio:{image}"


def one(address: str, stamps: Path) -> tuple[float, float]:
    """(start ms, end ms) of one detached checkread."""
    from app.engine import detach
    from app.jobs.start import start_check

    marks: dict[str, float] = {}
    spawn, cleanup = detach.DetachedProcess._spawn, detach.DetachedProcess.cleanup

    def timed_spawn(self: detach.DetachedProcess) -> None:
        marks["spawn"] = time.time()
        spawn(self)

    def timed_cleanup(self: detach.DetachedProcess) -> None:
        marks.setdefault("exit", (self.run_dir / "exit").stat().st_mtime)
        cleanup(self)

    detach.DetachedProcess._spawn, detach.DetachedProcess.cleanup = timed_spawn, timed_cleanup
    try:
        stamps.unlink(missing_ok=True)
        op = start_check(address)
        for _ in op.events():
            pass
        marks["done"] = time.time()
    finally:
        detach.DetachedProcess._spawn, detach.DetachedProcess.cleanup = spawn, cleanup
    assert op.result is not None and op.result.outcome == "ok", op.result
    started = float(stamps.read_text().split()[0])
    return 1000 * (started - marks["spawn"]), 1000 * (marks["done"] - marks["exit"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    with tempfile.TemporaryDirectory(prefix="detach-latency-") as tmp:
        work = Path(tmp)
        address = setup(work)
        one(address, work / "stamps")  # untimed: version probe, imports
        runs = [one(address, work / "stamps") for _ in range(args.rounds)]
    for name, values in (("start", [s for s, _ in runs]), ("end", [e for _, e in runs])):
        values.sort()
        quartiles = statistics.quantiles(values, n=4)
        print(
            f"{name}: median {statistics.median(values):.1f} ms, quartiles {quartiles[0]:.1f}-"
            f"{quartiles[2]:.1f}, min {values[0]:.1f}, max {values[-1]:.1f} ({len(values)} runs)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
