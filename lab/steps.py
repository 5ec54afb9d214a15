"""In the lab guest: several discdeck CLI commands in ONE interpreter, each recorded like
the scenario's `step` (NAME.out, NAME.err, NAME.rc, NAME.time in $LAB_OUT).

Every Python start costs 3-8 s under TCG (15 s when the host is busy), so commands that
need no fresh process share one:

    python lab/steps.py changer-status changer status --json :: changer-load changer load 1
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

from app.cli.main import main as discdeck


def run_step(out: Path, name: str, argv: list[str]) -> int:
    print(f"== {name}: discdeck {' '.join(argv)}", flush=True)
    t0 = time.monotonic()
    with (
        open(out / f"{name}.out", "w") as stdout,
        open(out / f"{name}.err", "w") as stderr,
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
    ):
        try:
            rc = discdeck(argv)
        except SystemExit as exc:  # argparse's refusals
            rc = exc.code if isinstance(exc.code, int) else 1
    seconds = time.monotonic() - t0
    (out / f"{name}.rc").write_text(f"{rc}\n")
    (out / f"{name}.time").write_text(f"{seconds:.2f}\n")
    print(f"   rc={rc} in {seconds:.2f} s", flush=True)
    return rc


def main(args: list[str]) -> int:
    out = Path(os.environ["LAB_OUT"])
    steps, current = [], []
    for arg in [*args, "::"]:
        if arg == "::":
            if current:
                steps.append(current)
            current = []
        else:
            current.append(arg)
    for name, *argv in steps:
        run_step(out, name, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
