"""Partition lines of `-report_system_area plain`: MBR, GPT and Apple partition map entries.

Each line names its partition by number; the lines of one partition come one by one and
fill one `Partition`.
"""

from __future__ import annotations

from collections.abc import Callable

from app.engine.boot_models import (
    GPT_LEGACY_BOOTABLE,
    GPT_TYPES,
    MBR_TYPES,
    Partition,
    PartitionTable,
    SystemArea,
    guid_text,
)

Handler = Callable[[str], None]


def _numbered(value: str) -> tuple[int, str]:
    number, _, rest = value.strip().partition(" ")
    return int(number), rest.strip()


def partition_handlers(area: Callable[[], SystemArea]) -> dict[str, Handler]:
    """Handlers by header; `area()` gives the system area being filled."""

    def partition(table: PartitionTable, number: int) -> Partition:
        found = area().partitions
        entry = next((p for p in found if p.table == table and p.number == number), None)
        if entry is None:
            entry = Partition(table, number)
            found.append(entry)
        return entry

    def field(table: PartitionTable, fill: Callable[[Partition, str], None]) -> Handler:
        def handle(value: str) -> None:
            number, rest = _numbered(value)
            fill(partition(table, number), rest)

        return handle

    return {
        "MBR partition": field("MBR", _mbr),
        "MBR partition path": field("MBR", _path),
        "GPT partition name": field("GPT", _gpt_name),
        "GPT partname local": field("GPT", _name),
        "GPT partition GUID": field("GPT", _gpt_guid),
        "GPT type GUID": field("GPT", _gpt_type),
        "GPT partition flags": field("GPT", _gpt_flags),
        "GPT start and size": field("GPT", _start_size),
        "GPT partition path": field("GPT", _path),
        "APM partition name": field("APM", _name),
        "APM partition type": field("APM", _apm_type),
        "APM start and size": field(
            "APM", lambda p, v: _start_size(p, v, area().apm_block_size or 512)
        ),
        "APM partition path": field("APM", _path),
    }


def _mbr(p: Partition, value: str) -> None:
    status, kind, start, size = value.split()
    p.flags, code = int(status, 16), int(kind, 16)
    p.type, p.type_name = f"0x{code:02x}", MBR_TYPES.get(code)
    p.bootable = p.flags == 0x80
    p.start, p.size = int(start), int(size)


def _path(p: Partition, value: str) -> None:
    p.path = value


def _name(p: Partition, value: str) -> None:
    p.name = value


def _gpt_name(p: Partition, value: str) -> None:
    if p.name is None:  # the "partname local" line, when there is one, says it better
        p.name = bytes.fromhex(value).decode("utf-16-le", "replace")


def _gpt_guid(p: Partition, value: str) -> None:
    p.guid = guid_text(value)


def _gpt_type(p: Partition, value: str) -> None:
    p.type = guid_text(value)
    p.type_name = GPT_TYPES.get(p.type)


def _gpt_flags(p: Partition, value: str) -> None:
    p.flags = int(value, 16)
    p.bootable = bool(p.flags & GPT_LEGACY_BOOTABLE)


def _apm_type(p: Partition, value: str) -> None:
    p.type = value


def _start_size(p: Partition, value: str, block_size: int = 512) -> None:
    start, size = value.split()
    p.start, p.size, p.block_size = int(start), int(size), block_size
