"""The host's side of the lab's remote-drive check (issue 17): discdeck on the host burns
the guest's recorder over ssh while the guest waits (lab/scenario-ssh.sh).

The guest runs the host's own sshd on its port 22, forwarded by qemu to 127.0.0.1:PORT;
the keys and both configs are made here with tests/sshd.py. When the guest asks
(`lab_host ssh 4`), HostSteps runs its discdeck commands as child processes of the host,
with DISCDECK_SSH naming the made ssh config, each recorded like the scenario's `step`
(NAME.out, NAME.err, NAME.rc, NAME.time in the lab's out/).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.sshd import SshFiles, free_port, write_ssh_files

REPO = Path(__file__).resolve().parent.parent
STEP_TIMEOUT = 600
"""Seconds one host-side discdeck command may take: the burn (0.9 MB: the refused DAO run,
the TAO run, the checkread) took 293 s at load 4-8; every ssh call starts Python in the TCG
guest, and the drive writes 16-100 blocks/s there."""


def prepare_ssh(workdir: Path) -> tuple[int, SshFiles]:
    """A free host port and, in workdir/ssh/, the guest sshd's config (port 22, any
    address, the remote's run files in workdir/ssh/remote-state) and the host's client config."""
    port = free_port()
    return port, write_ssh_files(workdir / "ssh", port, listen="0.0.0.0", server_port=22)


@dataclass
class HostSteps:
    """The `ssh` host verb: info, burn (with its checkread) and info again on the guest's
    recorder (a separate `check` was one more remote round of ~60 s under TCG)."""

    workdir: Path
    port: int
    files: SshFiles

    @property
    def out(self) -> Path:
        return self.workdir / "out"

    def address(self) -> str:
        dev = (self.out / "ssh.dev").read_text().strip()
        return f"ssh://root@127.0.0.1:{self.port}{dev}"

    def env(self) -> dict[str, str]:
        home = self.workdir / "ssh-client"
        env = {**os.environ, "DISCDECK_SSH": f"ssh -F {self.files.ssh_config}"}
        env["PYTHONPATH"] = str(REPO)
        env["HOME"] = str(home)
        for name in ("CONFIG", "DATA", "STATE", "CACHE"):
            env[f"XDG_{name}_HOME"] = str(home / name.lower())
        env["XDG_RUNTIME_DIR"] = str(home / "run")
        (home / "run").mkdir(parents=True, exist_ok=True, mode=0o700)
        return env

    def step(self, name: str, *argv: str) -> int:
        t0 = time.monotonic()
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "app", *argv], cwd=REPO, env=self.env(),
                capture_output=True, text=True, timeout=STEP_TIMEOUT, check=False,
            )  # fmt: skip
            rc, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as exc:  # its output is bytes, even with text=True
            said = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
            rc, stdout, stderr = 124, said, f"timed out after {STEP_TIMEOUT} s\n"
        (self.out / f"{name}.out").write_text(stdout)
        (self.out / f"{name}.err").write_text(stderr)
        (self.out / f"{name}.rc").write_text(f"{rc}\n")
        (self.out / f"{name}.time").write_text(f"{time.monotonic() - t0:.2f}\n")
        return rc

    def __call__(self, lun: int) -> tuple[int, str]:
        address = self.address()
        payload = str(self.workdir / "payload-ssh")
        rcs = [
            self.step("ssh-info-blank", "info", "--dev", address, "--json"),
            self.step("ssh-burn", "burn", "--dev", address, "--close", "--json", payload),
            self.step("ssh-info-closed", "info", "--dev", address, "--json"),
        ]
        self.close_shared()
        return (0 if not any(rcs) else 1), f"LUN {lun} at {address}: rcs {rcs}"

    def close_shared(self) -> None:
        """End the shared ssh connection now: no ssh master outlives the steps by 60 s."""
        code = (
            "import sys; from app.engine.remote_address import parse_host; "
            "from app.engine.ssh import close_shared; close_shared(parse_host(sys.argv[1]))"
        )
        host = f"ssh://root@127.0.0.1:{self.port}"
        subprocess.run([sys.executable, "-c", code, host], cwd=REPO, env=self.env(),
                       capture_output=True, timeout=30, check=False)  # fmt: skip

    def drop(self, lun: int) -> tuple[int, str]:
        """The `ssh-drop` verb: a burn whose ssh link is killed mid-write, then re-attached
        (tests/lab_drop.py), on the recorder made blank again by a swap."""
        t0 = time.monotonic()
        argv = [sys.executable, "-m", "tests.lab_drop", self.address(), str(self.workdir / "payload")]
        try:
            proc = subprocess.run(
                argv, cwd=REPO, env=self.env(), capture_output=True, text=True,
                timeout=STEP_TIMEOUT, check=False,
            )  # fmt: skip
            rc, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired:
            rc, stdout, stderr = 124, "", f"timed out after {STEP_TIMEOUT} s\n"
        self.close_shared()
        (self.out / "ssh-drop.out").write_text(stdout)
        (self.out / "ssh-drop.err").write_text(stderr)
        (self.out / "ssh-drop.rc").write_text(f"{rc}\n")
        (self.out / "ssh-drop.time").write_text(f"{time.monotonic() - t0:.2f}\n")
        return rc, f"LUN {lun}: drop and re-attach, rc {rc}"
