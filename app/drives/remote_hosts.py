"""Remote hosts from the config file and the drives on each, for the drive list and the CLI.

`[[hosts]]` entries in config.toml (`name = "tower"`, `address = "ssh://op@tower"`) name
the machines; each one's recorders are found there with `xorriso -devices` (the drives it
can open) and sysfs (all optical drives the kernel knows, so one we may not open is still
listed, with the reason). Hosts are asked in parallel; one that cannot be reached says why
in its entry and never hides the others.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from app.config import ConfigError, load_config
from app.engine.errors import EngineError
from app.engine.parse import parse_devices
from app.engine.remote_address import RemoteAddress, parse_host
from app.engine.remote_calls import agent_output
from app.engine.remote_runner import run_remote

SCAN_TIMEOUT = 30.0
"""Seconds a host's drive scan may take (an unreachable host: ssh's own timeout first)."""


@dataclass(frozen=True)
class RemoteHost:
    name: str
    remote: RemoteAddress


@dataclass(frozen=True)
class RemoteDrive:
    """One recorder on a host: its full ssh:// address, as --dev takes it."""

    address: str
    vendor: str = ""
    product: str = ""
    problem: str | None = None


@dataclass
class HostDrives:
    host: RemoteHost
    drives: list[RemoteDrive] = field(default_factory=list)
    error: str | None = None
    """Why the host could not be asked (unreachable, unknown host key, no xorriso)."""

    def to_json(self) -> dict:
        return {
            "name": self.host.name, "address": self.host.remote.url, "error": self.error,
            "drives": [drive.__dict__ for drive in self.drives],
        }  # fmt: skip


def configured_hosts() -> list[RemoteHost]:
    """The `[[hosts]]` of the config file; EngineError naming the bad entry and the fix."""
    try:
        entries = load_config().get("hosts", [])
    except ConfigError as exc:
        raise EngineError(str(exc)) from exc
    hosts = []
    for index, entry in enumerate(entries if isinstance(entries, list) else [None]):
        if not isinstance(entry, dict) or not isinstance(entry.get("address"), str):
            raise EngineError(
                f"hosts entry {index + 1} in the config needs an address: "
                '[[hosts]] name = "tower", address = "ssh://user@tower"'
            )
        remote = parse_host(entry["address"])
        hosts.append(RemoteHost(str(entry.get("name") or remote.host), remote))
    return hosts


def _scan(host: RemoteHost) -> HostDrives:
    found = HostDrives(host)
    try:
        result = run_remote(host.remote, ["-devices"], timeout=SCAN_TIMEOUT)
        sysfs = json.loads(agent_output(host.remote, "drives") or "[]")
    except (EngineError, ValueError) as exc:
        found.error = str(exc)
        return found
    seen = set()
    for drive in parse_devices(result.text()):
        seen.add(drive.address)
        found.drives.append(
            RemoteDrive(
                f"{host.remote.url}{drive.address}", drive.vendor or "", drive.product or "",
                f"busy on {host.name}" if drive.busy else None,
            )
        )  # fmt: skip
    for drive in sysfs:
        if drive.get("address") not in seen:
            found.drives.append(
                RemoteDrive(
                    f"{host.remote.url}{drive['address']}", drive.get("vendor", ""),
                    drive.get("model", ""),
                    None if drive.get("access") else
                    f"no read/write permission for the ssh user on {host.name} (group cdrom)",
                )
            )  # fmt: skip
    return found


def remote_drives(hosts: list[RemoteHost] | None = None) -> list[HostDrives]:
    """Every configured host (or `hosts`) with its drives, in the config's order: the
    service the drive list uses to group remote drives by host."""
    hosts = configured_hosts() if hosts is None else hosts
    if not hosts:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(hosts))) as pool:
        return list(pool.map(_scan, hosts))
