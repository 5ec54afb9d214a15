"""SCSI media changers (jukeboxes): found in sysfs, driven with `mtx` as a child process.

A changer is a SCSI device of type 8 with a generic node /dev/sgN and no block device;
its slots hold media and its drives (optical drives with their own /dev/srN) take them.
mtx's argv comes from app/engine/mtx.py and its words are parsed there; this module only
finds changers, runs mtx, and waits for a drive to have taken its medium.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.engine.errors import EngineError
from app.engine.mtx import MISSING, ChangerStatus, MtxParseError, parse_mtx_status, status_argv
from app.engine.sgio import Readiness, test_unit_ready

CHANGER_TYPE = "8"
"""SCSI peripheral device type of a medium changer (SMC)."""
MTX_TIMEOUT = 300
"""Seconds for one mtx command: a real robot takes tens of seconds to move a disc."""
READY_POLL = 0.25


class ChangerError(EngineError):
    """A changer could not be found or did not do what was asked; str() says why in a line."""


@dataclass(frozen=True)
class ChangerInfo:
    device: str
    """Its generic node, /dev/sgN: what mtx is given."""
    vendor: str = ""
    model: str = ""

    @property
    def title(self) -> str:
        return " ".join(p for p in (self.vendor, self.model) if p) or self.device


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def find_changers(sys_root: str = "/sys") -> list[ChangerInfo]:
    """Every media changer the kernel knows, by its generic node (sorted)."""
    found = []
    for node in sorted(Path(sys_root, "class", "scsi_generic").glob("sg*")):
        device = node / "device"
        if _read(device / "type") == CHANGER_TYPE:
            found.append(
                ChangerInfo(f"/dev/{node.name}", _read(device / "vendor"), _read(device / "model"))
            )
    return found


class NoChanger(ChangerError):
    """None attached: the CLI names --changer, the app says how one appears."""


def pick_changer(named: str | None, sys_root: str = "/sys") -> str:
    """The changer to use: the one named, else the only one there is."""
    if named:
        return named
    found = find_changers(sys_root)
    if len(found) == 1:
        return found[0].device
    if not found:
        raise NoChanger(
            "no media changer found (no SCSI device of type 8): name one with --changer /dev/sgN"
        )
    names = ", ".join(f"{c.device} ({c.title})" for c in found)
    raise ChangerError(f"several media changers: {names}; name one with --changer")


def run_mtx(argv: list[str], timeout: float = MTX_TIMEOUT) -> str:
    """Run mtx; its stdout, or ChangerError with its own last words."""
    try:
        proc = subprocess.run(
            argv, capture_output=True, text=True, errors="replace", timeout=timeout, check=False
        )
    except FileNotFoundError as exc:
        raise ChangerError(MISSING) from exc
    except subprocess.TimeoutExpired as exc:
        raise ChangerError(f"mtx did not answer within {timeout:.0f} s: {argv[-3:]}") from exc
    if proc.returncode != 0:
        said = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        reason = said[-1].strip() if said else f"exit status {proc.returncode}"
        raise ChangerError(f"mtx {' '.join(argv[3:])} on {argv[2]} failed: {reason}")
    return proc.stdout


def read_status(changer: str) -> ChangerStatus:
    """The changer's slots and drives, as mtx reads them now."""
    text = run_mtx(status_argv(changer))
    try:
        return parse_mtx_status(text)
    except MtxParseError as exc:
        raise ChangerError(f"{changer}: {exc}") from exc


def wait_for_medium(
    drive: str,
    limit: float = 60.0,
    ask: Callable[[str], Readiness] = test_unit_ready,
) -> Readiness:
    """After a load: wait until the drive says a medium is in and ready (TEST UNIT READY),
    so that the TOC read next is the new medium's. Returns the last answer."""
    end = time.monotonic() + limit
    answer = ask(drive)
    while answer != "ready" and answer != "gone" and time.monotonic() < end:
        time.sleep(READY_POLL)
        answer = ask(drive)
    return answer
