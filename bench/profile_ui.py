"""Where discdeck's own CPU goes during a UI-path burn (pyinstrument, main thread).

Usage: .venv/bin/pip install pyinstrument   (dev tool, not a project dependency)
       .venv/bin/python bench/profile_ui.py [MiB]     (default 2048, as bench/run)

Burns MiB of random data to a tmpfs image through OperationScreen (as bench/run's 1g row)
with the profiler running from the screen's mount to its `finished`, then prints the call
tree and the inclusive seconds of the widgets that matter. Everything lives under
/tmp/discdeck-bench and /dev/shm and is removed afterwards.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import discdeck_bench as bench
from pyinstrument import Profiler


def inclusive(frame, names: tuple[str, ...], totals: dict[str, float]) -> None:
    """Sum each named function's time, counting only its outermost frames."""
    name = frame.function
    if name in names:
        totals[name] = totals.get(name, 0.0) + frame.time
        rest = tuple(n for n in names if n != name)
    else:
        rest = names
    for child in frame.children:
        inclusive(child, rest, totals)


def main() -> None:
    mib = int(sys.argv[1]) if len(sys.argv) > 1 else 2048
    bench.CACHE.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="profile-", dir=bench.CACHE))
    shm = Path(tempfile.mkdtemp(prefix="discdeck-bench-", dir="/dev/shm"))
    bench.private_home(root)
    from app.engine.runner import check_xorriso

    check_xorriso()
    import app.tui.screens.operation_screen as osm

    profiler = Profiler(interval=0.001, async_mode="disabled")
    mount, reread = osm.OperationScreen.on_mount, osm.OperationScreen.on_plan_finished

    def on_mount(self):
        profiler.start()
        return mount(self)

    def on_plan_finished(self, message):
        result = reread(self, message)
        profiler.stop()
        return result

    osm.OperationScreen.on_mount = on_mount
    osm.OperationScreen.on_plan_finished = on_plan_finished
    try:
        source, files, _total = bench.make_burn_source(root, max(1, 2048 // mib))
        burn = bench.Burn(shm, source, files, cold=False)
        sample = burn.ui()
    finally:
        shutil.rmtree(shm, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)
    print(f"UI burn: wall {sample.wall:.2f} s, own CPU {sample.own:.2f} s (with the profiler on)")
    print(profiler.output_text(unicode=True, color=False))
    session = profiler.last_session
    root_frame = session.root_frame() if session else None
    if root_frame is not None:
        names = (
            "on_job_progress",
            "_refresh_layout",
            "render_lines",
            "write",
            "redraw",
            "post_message",
        )
        totals: dict[str, float] = {}
        inclusive(root_frame, names, totals)
        print("inclusive seconds (main thread):")
        for name, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
            print(f"  {name:<24} {seconds:6.3f}")


if __name__ == "__main__":
    main()
