"""Image rows of bench/run: write, verify and read of a 1 GiB image, each as a ratio to the
tool that sets its floor, in the same run, rounds rotated, paired per round.

- write: discdeck's `write` job (the Plan's argv, run by the engine) against bare xorriso
  with the same argv (goal <= 1.02x); `dd` of the same image as context (xorriso's stdio
  emulation writes 32 KiB at a time and paces itself).
- verify: the block-by-block compare against `sha256sum` of the same medium bytes
  (goal <= 1.1x): both read the medium once; discdeck also reads the image.
- read: discdeck's `read` job (-check_media data_to=, a sector map) against `dd` of the
  same medium (goal <= 1.1x), nothing damaged.

The image and targets live on tmpfs (/dev/shm) so the figures are CPU and copy costs, not
this VM's disk; the page cache holds the image in every variant alike. `--only write` runs
the write rows alone and prints them (bench/RESULTS.md is left as it is).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import discdeck_bench as bench

MiB = 1 << 20


def make_image(work: Path, size: int) -> Path:
    """An ISO of one random file: xorriso's own writer, as an image a user downloads."""
    source = work / "src"
    source.mkdir()
    bench.write_random(source / "data.bin", size)
    image = work / "image.iso"
    bench.timed_subprocess(
        ["xorriso", "-no_rc", "-outdev", f"stdio:{image}", "-map", str(source), "/", "-commit"]
    )
    shutil.rmtree(source)
    return image


class Images:
    def __init__(self, work: Path, image: Path) -> None:
        from app.engine.options import BurnOptions
        from app.jobs.plans import Target, write_image_plan

        self.work, self.image = work, image
        self.target = work / "disc.iso"
        self.plan = write_image_plan(
            Target(f"stdio:{self.target}"), str(image), BurnOptions(verify=False)
        )
        self.written = work / "written.iso"  # a medium for verify and read: the image written

    def _fresh(self) -> None:
        self.target.unlink(missing_ok=True)

    def write_bare(self) -> bench.Sample:
        self._fresh()
        return bench.timed_subprocess(list(self.plan.argv))

    def write_engine(self) -> bench.Sample:
        from app.jobs.start import start_job

        self._fresh()
        return self._job(start_job(self.plan))

    def write_dd(self) -> bench.Sample:
        self._fresh()
        return bench.timed_subprocess(
            ["dd", f"if={self.image}", f"of={self.target}", "bs=1M", "status=none"]
        )

    def prepare_medium(self) -> None:
        if not self.written.exists():
            bench.timed_subprocess(list(self.plan.argv))
            self.target.rename(self.written)

    def verify_engine(self) -> bench.Sample:
        from app.jobs.verify_image import VerifyImageJob

        return self._job(VerifyImageJob(f"stdio:{self.written}", str(self.image)))

    def verify_sha256sum(self) -> bench.Sample:
        size = self.image.stat().st_size
        script = 'head -c "$1" "$0" | sha256sum'
        return bench.timed_subprocess(["bash", "-c", script, str(self.written), str(size)])

    def read_engine(self) -> bench.Sample:
        from app.jobs.plans import Target, read_plan
        from app.jobs.start import start_job

        out = self.work / "read.iso"
        for leftover in self.work.glob("read.iso*"):
            leftover.unlink()
        return self._job(start_job(read_plan(Target(f"stdio:{self.written}"), str(out))))

    def read_dd(self) -> bench.Sample:
        out = self.work / "read-dd.iso"
        return bench.timed_subprocess(
            ["dd", f"if={self.written}", f"of={out}", "bs=1M", "status=none"]
        )

    @staticmethod
    def _job(job) -> bench.Sample:
        c0, ch0, t0 = bench.own_cpu(), bench.child_cpu(), time.perf_counter()
        events = sum(1 for _ in job.events())
        wall = time.perf_counter() - t0
        assert job.result is not None and job.result.outcome == "ok", job.result
        return bench.Sample(wall, bench.own_cpu() - c0, bench.child_cpu() - ch0, f"{events} events")


def row(tag: str, what: str, mine: bench.Series, base: bench.Series, goal: float) -> str:
    ratio = mine.paired(base)
    ok = bench.verdict(ratio <= goal)
    return (
        f"| {tag} | {what} | {mine.wall:.2f} s (±{100 * mine.spread:.0f} %) | "
        f"{base.wall:.2f} s (±{100 * base.spread:.0f} %) | {bench.x(ratio, 3)} | ≤ {goal}x | {ok} |"
    )


def write_rows(writes: dict[str, bench.Series]) -> list[str]:
    return [
        row("7a", "write an image (`write`) vs bare `xorriso -as cdrecord`, same argv",
            writes["engine"], writes["bare"], 1.02),
        f"| 7b | context: `dd` of the same image | {writes['dd'].wall:.2f} s | | "
        f"{bench.x(writes['engine'].paired(writes['dd']), 1)} | | |",
    ]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--only", choices=["write"], help="only these rows, printed (RESULTS.md is left alone)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="images-", dir="/tmp"))
    bench.private_home(root)
    work = Path(tempfile.mkdtemp(prefix="discdeck-images-", dir="/dev/shm"))
    try:
        images = Images(work, make_image(work, args.size_mib * MiB))
        log = print
        log("# images: write")
        writes = bench.rounds(
            {"bare": images.write_bare, "engine": images.write_engine, "dd": images.write_dd},
            args.rounds, log,
        )  # fmt: skip
        if args.only == "write":
            print("\n".join(write_rows(writes)))
            return 0
        images.prepare_medium()
        log("# images: verify")
        verifies = bench.rounds(
            {"sha256sum": images.verify_sha256sum, "engine": images.verify_engine}, args.rounds, log
        )
        log("# images: read")
        reads = bench.rounds({"dd": images.read_dd, "engine": images.read_engine}, args.rounds, log)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)
    size = f"{args.size_mib} MiB"
    bench.append_results([
        "",
        f"## Images ({size} on tmpfs, {args.rounds} rounds rotated, paired ratios; ± is the spread)",
        "",
        "| row | what | discdeck | floor | ratio | goal | verdict |",
        "|---|---|---|---|---|---|---|",
        *write_rows(writes),
        row("7c", "verify the medium against the image vs `sha256sum` of the medium",
            verifies["engine"], verifies["sha256sum"], 1.1),
        row("7d", "read the medium to an image (`read`) vs `dd`", reads["engine"], reads["dd"], 1.1),
        "",
    ])  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
