"""The ssh command line for a remote drive: OpenSSH is the transport, no daemon of ours.

ssh hands the remote shell ONE command string, so every argument is quoted with
`shlex.quote` here and nowhere else. Strings carry surrogate escapes for bytes that are not
UTF-8 (os.fsdecode); quoting keeps them, and subprocess encodes them back, so a name
arrives byte-exact. The user's ssh command (and its options, which may name identity
files) comes from DISCDECK_SSH or the config file and is never journalled: journals and
run files keep the xorriso argv and the ssh:// address only.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Sequence

from app.config import ConfigError, load_config, runtime_dir
from app.engine.errors import EngineError
from app.engine.remote_address import RemoteAddress

CONTROL_PERSIST = "60"
"""Seconds an idle shared connection stays up: the next inspection is ~10 ms, not ~150."""
CONNECT_TIMEOUT = 10
"""Seconds to wait for a host that does not answer at all (the TCP default is minutes)."""
CIPHERS = "^aes128-gcm@openssh.com,aes256-gcm@openssh.com"
"""OpenSSH's default ciphers with AES-GCM moved first (`^`: a reorder, nothing added): with
hardware AES it costs about a third less CPU than chacha20 for a 1 GiB image (512 MiB to
127.0.0.1: 1.3-1.8 s against 2.25 s), and a burn's bytes all cross ssh."""
REMOTE_XORRISO = "xorriso"
"""The remote's xorriso, found on its PATH (DISCDECK_XORRISO is for local fault injectors)."""
_SOCKET_MAX = 100
"""Unix socket paths are limited to 108 bytes; ssh appends a suffix while setting one up."""
_NO_CHECK = re.compile(r"stricthostkeychecking\s*[= ]\s*(no|off)\b", re.IGNORECASE)


class SshError(EngineError):
    """ssh could not run the command on the remote; the message names the fix."""


def user_ssh_command() -> list[str]:
    """DISCDECK_SSH (split like a shell line), else `ssh = [...]` in the config, else ssh."""
    env = os.environ.get("DISCDECK_SSH", "").strip()
    if env:
        try:
            command = shlex.split(env)
        except ValueError as exc:
            raise SshError(
                f"DISCDECK_SSH cannot be split into words ({exc}): fix its quotes"
            ) from None
    else:
        try:
            configured = load_config().get("ssh", ["ssh"])
        except ConfigError as exc:
            raise SshError(str(exc)) from exc
        if isinstance(configured, str):
            configured = shlex.split(configured)
        if not isinstance(configured, list) or not all(isinstance(a, str) for a in configured):
            raise SshError(
                '`ssh` in the config must be a list of words: ssh = ["ssh", "-F", "FILE"]'
            )
        command = list(configured) or ["ssh"]
    if any(_NO_CHECK.search(word) for word in command):
        raise SshError(
            "the ssh command turns host key checking off (StrictHostKeyChecking=no): discdeck "
            "refuses that; remove it and accept the host's key once with plain ssh"
        )
    return command


def _sharing_options() -> list[str]:
    """Connection sharing: one TCP connection and login for all of discdeck's ssh calls.
    Left out when the socket's path would be too long (speed only, never correctness)."""
    folder = runtime_dir() / "ssh"
    if len(os.fsencode(folder)) + 1 + 40 > _SOCKET_MAX:  # %C is 40 hex digits
        return []
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return [
        "-o", "ControlMaster=auto", "-o", f"ControlPath={folder}/%C",
        "-o", f"ControlPersist={CONTROL_PERSIST}",
    ]  # fmt: skip


def ssh_argv(remote: RemoteAddress, argv: Sequence[str], *, shared: bool = True) -> list[str]:
    """The local argv that runs `argv` on `remote`: each word quoted for the remote shell.

    BatchMode: no prompt can be answered from the app, so a login that would ask for a
    password or an unknown host key fails with ssh's reason instead (see ssh_failure).
    ServerAlive: a dead link is noticed in ~30 s, and the follower reconnects.
    ConnectTimeout: a host that is down (no answer at all) fails in seconds, not minutes.
    Ciphers: AES-GCM first (see CIPHERS); an option in the user's ssh command comes first
    and wins (ssh keeps an option's first value).
    """
    options = ["-o", "BatchMode=yes", "-o", "ServerAliveInterval=10", "-o", "ServerAliveCountMax=3",
               "-o", f"ConnectTimeout={CONNECT_TIMEOUT}", "-o", f"Ciphers={CIPHERS}"]  # fmt: skip
    options += _sharing_options() if shared else []
    command = " ".join(shlex.quote(word) for word in argv)
    return [*user_ssh_command(), *options, *remote.ssh_destination(), command]


def remote_xorriso_argv(argv: Sequence[str]) -> list[str]:
    """A Plan's argv as the remote runs it: the remote's own xorriso."""
    return [REMOTE_XORRISO, *argv[1:]]


_FAILURES = (
    ("Host key verification failed", "host key of {host} is not known or has changed: check "
     "it and accept it once with `ssh {dest}` (or add it to the known_hosts file your ssh uses)"),
    ("REMOTE HOST IDENTIFICATION HAS CHANGED", "the host key of {host} has CHANGED (another "
     "machine, or an attack): check it; `ssh-keygen -R {host}` once you know it is right"),
    ("Permission denied", "{host} refused the login: install your key there "
     "(`ssh-copy-id {dest}`), or name the identity in DISCDECK_SSH or the config's `ssh`"),
    ("Could not resolve hostname", "cannot find host {host}: check the name in the address"),
    ("Connection refused", "{host} refuses connections on the ssh port: is sshd running there?"),
    ("timed out", "{host} does not answer (timed out): is it up and reachable?"),
    ("No route to host", "no route to {host}: is it up and on the network?"),
)  # fmt: skip


def ssh_failure(remote: RemoteAddress, returncode: int, stderr: Sequence[str]) -> str | None:
    """ssh's own failure (exit 255) or a missing program on the remote, in one line with
    the fix; None when the remote command ran (its failures are xorriso's to say)."""
    text = "\n".join(stderr)
    dest = remote.authority.rsplit(":", 1)[0] if remote.port is not None else remote.authority
    dest = f"-p {remote.port} {dest}" if remote.port is not None else dest
    if returncode == 127 or "command not found" in text or ": not found" in text:
        missing = "python3" if "python3" in text else "xorriso"
        return (
            f"{missing} is not installed on {remote.host}: "
            f"install it there (sudo apt-get install {missing})"
        )
    if returncode != 255:
        return None
    for needle, message in _FAILURES:
        if needle in text:
            return message.format(host=remote.host, dest=dest)
    last = next((line for line in reversed(stderr) if line.strip()), "no reason given")
    return f"ssh to {remote.host} failed: {last}"


def close_shared(remote: RemoteAddress) -> None:
    """End the shared connection to `remote` now instead of after CONTROL_PERSIST seconds."""
    options = _sharing_options()
    if options:
        # Imported here: only quitting (and the tests) close connections.
        import subprocess

        try:
            argv = [*user_ssh_command(), *options, "-O", "exit", *remote.ssh_destination()]
        except SshError:
            return  # no usable ssh command: no connection was shared either
        subprocess.run(argv, capture_output=True, timeout=10, check=False)
