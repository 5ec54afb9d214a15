"""`ssh://[user@]host[:port]/ADDRESS`: a drive on another machine, reached with OpenSSH.

The part after the host is the drive address as xorriso on that machine sees it
(`/dev/sr0`, `stdio:/path/img.iso`), taken byte for byte: no percent-decoding, so any
name that is valid there is valid here. The host and user are checked strictly, because
ssh reads a destination starting with `-` as an option (`-oProxyCommand=...`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.engine.errors import AddressError

SCHEME = "ssh://"
_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
_HOST = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})|\[[0-9A-Fa-f:.]+\]")


@dataclass(frozen=True)
class RemoteAddress:
    """The machine a remote drive is on: what ssh connects to."""

    host: str
    user: str | None = None
    port: int | None = None

    @property
    def authority(self) -> str:
        """`user@host:port` as written in the address."""
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port is not None else ""
        return f"{user}{self.host}{port}"

    @property
    def url(self) -> str:
        return f"{SCHEME}{self.authority}"

    def ssh_destination(self) -> list[str]:
        """ssh's arguments naming the destination (after every option)."""
        port = ["-p", str(self.port)] if self.port is not None else []
        user = ["-l", self.user] if self.user else []
        return [*port, *user, self.host.strip("[]")]


def is_remote(text: str) -> bool:
    return text.startswith(SCHEME)


def parse_remote(text: str) -> tuple[RemoteAddress, str]:
    """Split `ssh://[user@]host[:port]/ADDRESS` into the machine and the drive address
    there (`/dev/sr0`, `stdio:/x.iso`); AddressError with the fix when malformed."""
    rest = text[len(SCHEME) :]
    authority, slash, inner = rest.partition("/")
    example = "ssh://user@host[:port]/dev/sr0 or ssh://host/stdio:/path/img.iso"
    if not slash or not inner:
        raise AddressError(f"no drive in {text!r}: write it after the host, e.g. {example}")
    inner = inner if inner.startswith(("stdio:", "mmc:")) else "/" + inner
    path = inner.split(":", 1)[1] if inner.startswith(("stdio:", "mmc:")) else inner
    if not path.startswith("/"):
        raise AddressError(
            f"the remote drive's path must be absolute in {text!r} (the remote has no "
            f"current folder of ours): e.g. {example}"
        )
    return _machine(authority, text), inner


def parse_host(text: str) -> RemoteAddress:
    """A machine alone, `ssh://[user@]host[:port]` (a config file's `[[hosts]] address`)."""
    if not is_remote(text) or text[len(SCHEME) :].strip("/").count("/"):
        raise AddressError(f"bad host address {text!r}: give ssh://[user@]host[:port]")
    return _machine(text[len(SCHEME) :].strip("/"), text)


def _machine(authority: str, text: str) -> RemoteAddress:
    example = "ssh://user@host[:port]/dev/sr0 or ssh://host/stdio:/path/img.iso"
    user, at, hostport = authority.rpartition("@")
    if ":" in user:
        raise AddressError(
            "a password in an ssh:// address is refused (it would be shown and journalled): "
            "log in with a key (ssh-copy-id) and give ssh://user@host/..."
        )
    if at and not _USER.fullmatch(user):
        raise AddressError(f"bad user name {user!r} in {text!r}: letters, digits, . _ -")
    host, port = hostport, None
    if (match := re.fullmatch(r"(.*?):(\d{1,5})", hostport)) and not hostport.endswith("]"):
        host, port = match.group(1), int(match.group(2))
        if not 0 < port < 65536:
            raise AddressError(f"bad port {port} in {text!r}: give 1 to 65535")
    if not _HOST.fullmatch(host):
        raise AddressError(
            f"bad host name {host!r} in {text!r}: letters, digits, . - _ "
            f"(not starting with -), or [IPv6]; e.g. {example}"
        )
    return RemoteAddress(host, user or None, port)
