"""`python -m lab [options] -- COMMAND...`: run COMMAND in the lab guest against /dev/sr0.

    python -m lab -- .venv/bin/python -m app info --dev /dev/sr0
    python -m lab --media 2 --script my-steps.sh
    python -m lab --prepare-only          # install, cache the kernel, build the initramfs

The command runs chrooted into this host's own / (read-only) with the repository as the
working directory; $LAB_DIR (read-write, same path on host and guest) and $LAB_OUT hold
files to keep. Exit status: the command's, or 3 when the lab cannot start.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import signal
import sys
from pathlib import Path

from lab.lab import Lab, LabUnavailable


def _sigterm(_signo, _frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab", description=__doc__.split("\n\n")[0])
    parser.add_argument("--media", type=int, default=1, help="blank DVD+R recorders (1-4)")
    parser.add_argument(
        "--changer", action="store_true", help="add a jukebox: an empty DVD drive, 8 slots"
    )
    parser.add_argument("--script", type=Path, help="shell script to run in the guest")
    parser.add_argument("--workdir", type=Path, help="lab dir to use and keep")
    parser.add_argument("--keep", action="store_true", help="keep the temporary lab dir")
    parser.add_argument("--timeout", type=float, default=600, help="seconds for the whole boot")
    parser.add_argument("--prepare-only", action="store_true", help="prepare, boot nothing")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not (command or args.script or args.prepare_only):
        parser.error("give -- COMMAND..., --script FILE or --prepare-only")
    signal.signal(signal.SIGTERM, _sigterm)
    lab = Lab(args.workdir)
    keep = args.keep or args.workdir is not None
    try:
        lab.prepare()
        if args.prepare_only:
            print(f"lab: ready (kernel {lab.kver}, cache {lab.cache})", file=sys.stderr)
            return 0
        script = args.script.read_text() if args.script else shlex.join(command)
        result = lab.boot(
            script,
            media=args.media,
            changer=args.changer,
            timeout=args.timeout,
            echo=lambda s: print(s, flush=True),
        )
        times = ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items())
        print(f"lab: exit status {result.returncode}; {times}", file=sys.stderr)
        return 3 if result.returncode is None else result.returncode
    except LabUnavailable as exc:
        print(f"lab: cannot start: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("lab: interrupted, torn down", file=sys.stderr)
        return 130
    finally:
        if keep:
            print(f"lab: files kept in {lab.workdir}", file=sys.stderr)
        else:
            shutil.rmtree(lab.workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
