"""The drive list's rows for remote hosts: a heading per host, then its drives as
`host: /dev/sr0`, or one greyed line saying why there are none (unreachable, no drives).

Asking the hosts (app/drives/remote_hosts.py) takes an ssh round trip each, or ssh's
ConnectTimeout for a host that is down, so the app does it in a worker after the local
drives are shown; meanwhile `asking_rows` shows the headings with "asking…".
"""

from __future__ import annotations

from app.drives.listing import DriveEntry
from app.drives.remote_hosts import HostDrives, RemoteHost
from app.engine.address import parse_address


def _heading(host: RemoteHost) -> DriveEntry:
    return DriveEntry(address=host.remote.url, title=host.name,
                      detail=host.remote.host, row="host")  # fmt: skip


def _note(host: RemoteHost, text: str, problem: str | None = None) -> DriveEntry:
    return DriveEntry(address=f"{host.remote.url}#note", title=text, problem=problem, row="note")


_SHORT = (
    ("refuses connections", "refuses connections"), ("timed out", "does not answer"),
    ("does not answer", "does not answer"), ("did not answer", "does not answer"),
    ("has CHANGED", "host key CHANGED"), ("host key", "host key unknown"),
    ("refused the login", "login refused"), ("cannot find host", "unknown host name"),
    ("no route", "no route to it"), ("xorriso is not installed", "no xorriso there"),
    ("python3 is not installed", "no python3 there"),
)  # fmt: skip
"""A host's trouble in a few words, to fit the drive pane in one line (the log and the
row's `problem` keep the whole sentence with its fix)."""


def short_reason(error: str) -> str:
    return next((short for needle, short in _SHORT if needle in error), "unreachable")


def asking_rows(hosts: list[RemoteHost]) -> list[DriveEntry]:
    """Each host's heading and "asking…", shown until its answer comes."""
    return [row for host in hosts for row in (_heading(host), _note(host, "asking…"))]


def host_rows(found: list[HostDrives]) -> list[DriveEntry]:
    """Each host's heading, then its drives (or why it shows none), in the config's order."""
    rows: list[DriveEntry] = []
    for host in found:
        rows.append(_heading(host.host))
        if host.error:
            rows.append(_note(host.host, f"✗ {short_reason(host.error)}", host.error))
        elif not host.drives:
            rows.append(_note(host.host, "no optical drives"))
        for drive in host.drives:
            path = parse_address(drive.address).path
            name = " ".join(p for p in (drive.vendor, drive.product) if p) or "optical drive"
            rows.append(DriveEntry(address=drive.address, title=f"{host.host.name}: {path}",
                                   detail=name, problem=drive.problem))  # fmt: skip
    return rows
