"""The host's side of the lab while the guest runs: a jukebox on the target, and the hand
that swaps media and pulls drives out of the target at the guest's request.

The guest has no network (`-nic none`), so it asks through the shared lab dir: it writes
one line (`swap 1`, `offline 1`, `online 1`, `delete 4`) to `$LAB_DIR/host/NAME.req`, and
`HostHand` answers in `NAME.done` (`rc=N`, then what tgtadm said). `lab_host` in the guest's
job script (lab.py) does both halves. Only these verbs exist: nothing else is run.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

SLOTS = 8
FULL_SLOTS = 5
"""Slots 1-5 hold media (slot 1 a burned disc, 2-5 blank DVD+R); 6-8 are empty."""
DATA_SLOT = 1
OFFLINE_SECONDS = 3.0
"""A swap leaves the tray empty this long (longer than the guest kernel's media poll),
as an operator's hand would."""

Adm = Callable[..., subprocess.CompletedProcess]
HostVerb = Callable[[int], tuple[int, str]]
"""A verb the caller of Lab.boot adds (e.g. `ssh 4`: the host-side steps against the
guest's sshd): called with the number, answers (rc, text) like the built-in verbs."""


def barcode(slot: int) -> str:
    return f"DVD_{slot:04d}"


def add_jukebox(adm: Adm, workdir: Path, drive_lun: int, changer_lun: int, run: Callable) -> None:
    """tgtd's own DVD jukebox example (README.mmc, example 4): a DVD drive at `drive_lun`
    and a changer at `changer_lun` with SLOTS storage elements.

    qemu's iSCSI driver reads the capacity of every LUN it opens and refuses a drive with
    no medium, so the drive starts with a blank of its own in the tray (`tray.img`), and
    HostHand takes it offline (no medium) as soon as the guest's init runs."""
    tray = workdir / "tray.img"
    tray.unlink(missing_ok=True)
    run(["tgtimg", "--op", "new", "--device-type", "cd", "--type", "dvd+r", "--file", str(tray)])
    adm("--op", "new", "--mode", "logicalunit", "--tid", "1", "--lun", str(drive_lun),
        "-b", str(tray), "--device-type=cd")  # fmt: skip
    adm("--op", "update", "--mode", "logicalunit", "--tid", "1", "--lun", str(drive_lun),
        "--params", "vendor_id=STGT_DVD,product_id=DVD101,product_rev=0010,"
        "scsi_sn=STGTDVD01,removable=1")  # fmt: skip
    smc = workdir / "smc"
    smc.write_bytes(bytes(1024))
    vtl = workdir / "vtl"
    vtl.mkdir(exist_ok=True)
    lun = ("--mode", "logicalunit", "--tid", "1", "--lun", str(changer_lun))
    adm("--op", "new", *lun, "-b", str(smc), "--device-type=changer")
    for params in (
        "vendor_id=STK,product_id=L700,product_rev=0010,scsi_sn=XYZZY_0,removable=1",
        "element_type=4,start_address=1,quantity=1",
        f"element_type=4,address=1,tid=1,lun={drive_lun}",
        "element_type=1,start_address=16,quantity=1",
        f"media_home={vtl}",
        f"element_type=2,start_address=1024,quantity={SLOTS}",
    ):
        adm("--op", "update", *lun, "--params", params)
    for slot in range(1, FULL_SLOTS + 1):
        medium = vtl / barcode(slot)
        medium.unlink(missing_ok=True)
        if slot == DATA_SLOT and (workdir / "slot1.iso").exists():
            medium.write_bytes((workdir / "slot1.iso").read_bytes())  # a DVD-ROM with data
        else:
            run(["tgtimg", "--op", "new", "--device-type", "cd", "--type", "dvd+r",
                 "--file", str(medium)], timeout=30)  # fmt: skip
        tag = "LAB_DATA" if slot == DATA_SLOT else f"BLANK_{slot}"
        adm("--op", "update", *lun, "--params",
            f"element_type=2,address={1023 + slot},barcode={barcode(slot)},volume_tag={tag},sides=1")  # fmt: skip


class HostHand:
    """Answers the guest's requests in `workdir/host/` from its own thread until stop()."""

    def __init__(
        self,
        workdir: Path,
        adm: Adm,
        run: Callable,
        empty_tray: int | None = None,
        verbs: Mapping[str, HostVerb] | None = None,
    ) -> None:
        self.dir = workdir / "host"
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir()
        self.empty_tray = empty_tray
        """The jukebox drive's LUN, whose placeholder medium goes once the guest boots."""
        self.workdir, self.adm, self.run = workdir, adm, run
        self.verbs = dict(verbs or {})
        self._stop = threading.Event()
        self._swaps = 0
        self._thread = threading.Thread(target=self._loop, daemon=True, name="lab-host-hand")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(0.05):
            if self.empty_tray is not None and "LAB:" in self._console():
                self._lu(str(self.empty_tray), "--op", "update", "--params", "online=0")
                self.empty_tray = None
            if self.empty_tray is None and not (self.dir / "ready").exists():
                (self.dir / "ready").write_text("")
            for req in sorted(self.dir.glob("*.req")):
                words = req.read_text().split()
                t0 = time.time()
                rc, said = self._act(words)
                done = req.with_suffix(".done")
                tmp = req.with_suffix(".tmp-done")
                tmp.write_text(
                    f"rc={rc}\nhost_start={t0:.3f}\nhost_end={time.time():.3f}\n{said}\n"
                )
                tmp.rename(done)
                req.unlink()

    def _console(self) -> str:
        try:
            return (self.workdir / "console.log").read_text(errors="replace")
        except OSError:
            return ""

    def _lu(self, lun: str, *args: str) -> subprocess.CompletedProcess:
        return self.adm("--mode", "logicalunit", "--tid", "1", "--lun", lun, *args, check=False)

    def _act(self, words: list[str]) -> tuple[int, str]:
        if len(words) != 2 or not words[1].isdigit():
            return 2, f"say VERB LUN, not {' '.join(words)!r}"
        verb, lun = words
        if verb in self.verbs:
            try:
                return self.verbs[verb](int(lun))
            except Exception as exc:  # the guest must get an answer, not wait forever
                return 1, f"host verb {verb} failed: {exc!r}"
        if verb == "offline":
            proc = self._lu(lun, "--op", "update", "--params", "online=0")
        elif verb == "online":
            proc = self._lu(lun, "--op", "update", "--params", "online=1")
        elif verb == "delete":
            # tgtd refuses ("this logical unit is still active") while a command of the
            # burn is in flight, which under load can be every time we ask: ask again.
            deadline = time.time() + 20
            proc = self._lu(lun, "--op", "delete")
            while proc.returncode != 0 and "still active" in proc.stderr + proc.stdout:
                if time.time() > deadline:
                    break
                time.sleep(0.05)
                proc = self._lu(lun, "--op", "delete")
        elif verb == "swap":  # README.mmc example 3: offline, a new backing store, online
            proc = self._lu(lun, "--op", "update", "--params", "online=0")
            if proc.returncode == 0:
                time.sleep(OFFLINE_SECONDS)
                self._swaps += 1
                blank = self.workdir / f"swap{self._swaps}.img"
                self.run(["tgtimg", "--op", "new", "--device-type", "cd", "--type", "dvd+r",
                          "--file", str(blank)], timeout=30)  # fmt: skip
                proc = self._lu(lun, "--op", "update", "--params", f"path={blank}")
        elif verb == "show":  # the LUN as tgtd sees it (online, backing store)
            proc = self.adm("--mode", "target", "--op", "show", check=False)
            part = proc.stdout.split(f"LUN: {lun}\n", 1)[-1].split("LUN: ", 1)[0]
            return proc.returncode, part.rstrip()
        else:
            return 2, f"unknown verb {verb!r}: offline, online, delete, swap or show"
        return proc.returncode, (proc.stdout + proc.stderr).strip()
