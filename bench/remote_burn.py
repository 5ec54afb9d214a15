"""A session burned to a stdio: target through ssh on 127.0.0.1 against the same burn done
locally (issue 17's row: <= 1.1x), with `ssh host 'cat > target' < image` as context.

Rows (each one wall time, one round, verify off so only the burn is timed):
  local       start_burn to a local stdio: image (xorriso reads the files, MD5, writes)
  remote      the same Plan to ssh://127.0.0.1/stdio:... : discdeck's way, the staged files
              sent as one tar stream in the job's start call, then the remote xorriso burns
  pipe        the alternative: the session image built here by xorriso to stdout, piped
              through ssh into `xorriso -as cdrecord dev=stdio:TARGET -` there
  cat         context: the finished image sent with `ssh host 'cat > target' < image`

A private sshd (tests/sshd.py) serves 127.0.0.1; everything lives in a temp folder.
Usage (repo root): PYTHONPATH=. python bench/remote_burn.py [--mib 1024]
Say the machine's load (printed) when quoting the figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.sshd import start_sshd


def _timed(action) -> float:
    start = time.monotonic()
    action()
    return time.monotonic() - start


def _burn(address: str) -> None:
    from app.engine.commands import BurnOptions, MapEntry
    from app.jobs.start import start_burn

    job = start_burn(address, [MapEntry(os.environ["BENCH_SRC"], "/d")],
                     BurnOptions(volume_id="BENCH", verify=False))  # fmt: skip
    for _ in job.events():
        pass
    assert job.result is not None and job.result.outcome == "ok", job.result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=1024, help="session size in MiB")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rb"))
    server = start_sshd(work / "sshd")
    os.environ.update(DISCDECK_SSH=server.ssh_env, XDG_STATE_HOME=str(work / "state"),
                      XDG_RUNTIME_DIR=str(work), BENCH_SRC=str(work / "src"))  # fmt: skip
    ssh = ["ssh", "-F", str(server.ssh_config), "-p", str(server.port), "127.0.0.1"]
    try:
        (work / "src").mkdir()
        with (work / "src" / "data.bin").open("wb") as file:
            for _ in range(args.mib):
                file.write(os.urandom(1 << 20))
        load = Path("/proc/loadavg").read_text().split()[:3]
        local = _timed(lambda: _burn(f"stdio:{work / 'local.iso'}"))
        remote = _timed(lambda: _burn(f"{server.url}/stdio:{work / 'remote.iso'}"))
        # -as mkisofs writes to stdout when it is xorriso's first argument (not after -no_rc)
        build = ["xorriso", "-as", "mkisofs", "-r", "-J", "--md5", "-V", "BENCH",
                 "-graft-points", f"/d={work / 'src'}"]  # fmt: skip
        write = f"xorriso -no_rc -as cdrecord dev=stdio:{work / 'pipe.iso'} -"
        pipe = _timed(lambda: subprocess.run(
            f"{' '.join(build)} 2>/dev/null | {' '.join(ssh)} '{write}' >/dev/null 2>&1",
            shell=True, check=True))  # fmt: skip
        with (work / "local.iso").open("rb") as image:
            cat = _timed(lambda: subprocess.run(
                [*ssh, f"cat > {work / 'cat.iso'}"], stdin=image, check=True))  # fmt: skip
        after = Path("/proc/loadavg").read_text().split()[:3]
        print(f"session {args.mib} MiB, load before {' '.join(load)}, after {' '.join(after)}")
        for name, wall in (("local", local), ("remote", remote), ("pipe", pipe), ("cat", cat)):
            print(f"{name:<7} {wall:7.2f} s   {wall / local:5.2f}x local")
    finally:
        from app.engine.remote_address import parse_host
        from app.engine.ssh import close_shared

        close_shared(parse_host(server.url))
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
