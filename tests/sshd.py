"""A private OpenSSH server on 127.0.0.1 for the remote-drive tests and bench.

Everything is made afresh in a folder: a host key, a client key authorized for the
current user, sshd's own config (started with `-f`, `-D -e`, on a free port), and the
client's ssh_config (IdentityFile, UserKnownHostsFile holding only that host key,
StrictHostKeyChecking=yes, BatchMode). The remote side's XDG_STATE_HOME points into the
folder too (sshd's SetEnv), so the "remote" run files stay there.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SSHD = "/usr/sbin/sshd"


def have_sshd() -> bool:
    return os.path.exists(SSHD) and shutil.which("ssh") is not None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Sshd:
    folder: Path
    port: int
    user: str
    process: subprocess.Popen[bytes]
    ssh_config: Path
    remote_state: Path

    @property
    def url(self) -> str:
        return f"ssh://{self.user}@127.0.0.1:{self.port}"

    @property
    def ssh_env(self) -> str:
        """DISCDECK_SSH for this server."""
        return f"ssh -F {self.ssh_config}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True, timeout=30
    )


@dataclass(frozen=True)
class SshFiles:
    """sshd's config and the client's, made by write_ssh_files."""

    sshd_config: Path
    ssh_config: Path
    remote_state: Path


def write_ssh_files(
    folder: Path, port: int, *, listen: str = "127.0.0.1", server_port: int | None = None
) -> SshFiles:
    """Fresh host and client keys, sshd's config (listening on `listen`:`server_port`,
    default `port`) and the client's ssh_config, which trusts only that host key at
    127.0.0.1:`port` (the lab's guest sshd listens on 22 behind a forwarded port)."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    host_key, client_key = folder / "host_key", folder / "client_key"
    _keygen(host_key)
    _keygen(client_key)
    authorized = folder / "authorized_keys"
    authorized.write_text((folder / "client_key.pub").read_text())
    authorized.chmod(0o600)
    remote_state = folder / "remote-state"
    remote_state.mkdir()
    config = folder / "sshd_config"
    config.write_text(
        f"Port {server_port or port}\nListenAddress {listen}\nHostKey {host_key}\n"
        f"AuthorizedKeysFile {authorized}\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
        f"PidFile {folder / 'sshd.pid'}\nStrictModes no\nUsePAM no\n"
        f"SetEnv XDG_STATE_HOME={remote_state}\nLogLevel ERROR\n"
    )
    known = folder / "known_hosts"
    public = (folder / "host_key.pub").read_text().split()
    known.write_text(f"[127.0.0.1]:{port} {public[0]} {public[1]}\n")
    ssh_config = folder / "ssh_config"
    ssh_config.write_text(
        f"Host *\n  IdentityFile {client_key}\n  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {known}\n  GlobalKnownHostsFile /dev/null\n"
        "  StrictHostKeyChecking yes\n  BatchMode yes\n  LogLevel ERROR\n"
    )
    return SshFiles(config, ssh_config, remote_state)


def start_sshd(folder: Path) -> Sshd:
    """Start sshd in `folder` (made here); stop it with .stop()."""
    port, user = free_port(), getpass.getuser()
    files = write_ssh_files(folder, port)
    config, ssh_config, remote_state = files.sshd_config, files.ssh_config, files.remote_state
    with contextlib.suppress(OSError):  # not root: sshd's log says whether it needs it
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation folder
    log = (folder / "sshd.log").open("wb")
    process = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(config)], stdout=log, stderr=log, stdin=subprocess.DEVNULL
    )
    server = Sshd(folder, port, user, process, ssh_config, remote_state)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("sshd did not start: " + (folder / "sshd.log").read_text())
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.05)
    server.stop()
    raise RuntimeError("sshd did not listen within 10 s")
