"""Pure parsers: plain xorriso text (packet prefixes already stripped) -> dataclasses.

Formats follow xorriso 1.5.x's `Xorriso_toc` and `-devices` output; every function is
tested on recorded transcripts in tests/fixtures/.
"""

from __future__ import annotations

import re

from app.engine.models import (
    SECTOR,
    DriveInfo,
    FormatEntry,
    Formats,
    Media,
    MediaStatus,
    MediaSummary,
    Session,
    Toc,
    TocDrive,
)

_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "d": 512,
    "s": SECTOR,
    "k": 1024,
    "m": 1024**2,
    "g": 1024**3,
    "t": 1024**4,
}
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([bdskmgt]?)(?:i?b)?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Turn xorriso's size words (`4489m`, `68.5g`, `518s`, `0`, `4482.6 MiB`) into bytes."""
    match = _SIZE_RE.match(text)
    if not match:
        raise ValueError(f"not an xorriso size: {text!r}")
    number, unit = match.groups()
    return round(float(number) * _SIZE_UNITS[unit.lower()])


def _field(line: str, label: str) -> str | None:
    """Value of a `Label       : value` line, or None if the line has another label."""
    if not line.startswith(label):
        return None
    rest = line[len(label) :]
    colon = rest.find(":")
    if colon < 0 or rest[:colon].strip():
        return None
    return rest[colon + 1 :].strip()


def _unquote(word: str) -> str:
    return word.replace("'\"'\"'", "'")


_DRIVE_CURRENT = re.compile(r"^-(?:dev|indev|outdev)\s+'(.*)'\s*$")
_DRIVE_TYPE = re.compile(r"^vendor '(.*)' product '(.*)' revision '(.*)'\s*$")
_BLOCKS = re.compile(r"^(\d+) readable , (\d+) (?:writable|unused) , (\d+) overall")
_SESSION_ROW = re.compile(
    r"^(ISO session|Other session|Incmp session)\s*:\s*(\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)s\s*,\s?(.*)$"
)
_SUMMARY = re.compile(r"^(\d+) sessions?, (\d+) data blocks, +(\S+) data, +(\S+) free")


def _media_status(text: str) -> MediaStatus:
    if text.startswith("is blank"):
        return "blank"
    if text.startswith("is written , is appendable"):
        return "appendable"
    if text.startswith("is written , is closed"):
        return "closed"
    if text.startswith("is not present"):
        return "absent"
    return "unknown"


def parse_media_summary(text: str) -> MediaSummary | None:
    """The last `Media summary:` line of a transcript (xorriso may print it twice)."""
    found: MediaSummary | None = None
    for line in text.splitlines():
        value = _field(line, "Media summary")
        if value is None:
            continue
        match = _SUMMARY.match(value)
        if match:
            sessions, blocks, data, free = match.groups()
            found = MediaSummary(int(sessions), int(blocks), parse_size(data), parse_size(free))
    return found


def parse_toc(text: str) -> Toc:
    """Parse `-toc` output (and the drive summary `-dev` prints) into a `Toc`.

    Scalar fields take their last occurrence, session rows are keyed by index, so output
    that repeats the summary (acquisition + `-toc`) parses to one clean TOC.
    """
    drive = TocDrive(address="")
    media = Media()
    sessions: dict[int, Session] = {}
    summary_sessions: int | None = None
    for line in text.splitlines():
        if (value := _field(line, "Drive current")) is not None:
            match = _DRIVE_CURRENT.match(value)
            drive.address = _unquote(match.group(1)) if match else value
        elif (value := _field(line, "Drive type")) is not None:
            match = _DRIVE_TYPE.match(value)
            if match:
                vendor, product, revision = (v.strip() or None for v in match.groups())
                drive.vendor, drive.product, drive.revision = vendor, product, revision
        elif (value := _field(line, "Media current")) is not None:
            media.profile = None if value.startswith("is not") else value
            if value.startswith("is not recognizable"):
                media.status = "unknown"
        elif (value := _field(line, "Media product")) is not None:
            media.product = value or None
        elif (value := _field(line, "Media status")) is not None:
            media.status = _media_status(value)
        elif (value := _field(line, "Media blocks")) is not None:
            match = _BLOCKS.match(value)
            if match:
                readable, writable, overall = map(int, match.groups())
                media.readable_blocks = readable
                media.writable_blocks = writable
                media.overall_blocks = overall
        elif (value := _field(line, "Media summary")) is not None:
            match = _SUMMARY.match(value)
            if match:
                summary_sessions = int(match.group(1))
                media.data_blocks = int(match.group(2))
        elif (value := _field(line, "Media nwa")) is not None:
            media.nwa = int(value.rstrip("s"))
        elif (value := _field(line, "TOC layout")) is not None:
            sessions.clear()
        else:
            match = _SESSION_ROW.match(line)
            if match:
                label, index, start, blocks, volid = match.groups()
                kind = "ISO" if label.startswith("ISO") else "Other"
                sessions[int(index)] = Session(
                    int(index), kind, int(start), int(blocks), volid.rstrip()
                )
    media.sessions_count = summary_sessions if summary_sessions is not None else len(sessions)
    return Toc(drive=drive, media=media, sessions=[sessions[k] for k in sorted(sessions)])


_DEVICE_ROW = re.compile(
    r"^\s*(\d+)\s+-dev\s+'((?:[^']|'\"'\"')*)'\s+([rw-]{6})\s+:\s+'(.*?)'\s+'(.*?)'\s*$"
)
_BUSY = re.compile(r"Cannot open busy device '((?:[^']|'\"'\"')*)'")


def parse_devices(text: str) -> list[DriveInfo]:
    """Drives from `-devices`/`-device_links`, plus the busy ones xorriso leaves out."""
    drives: dict[str, DriveInfo] = {}
    for line in text.splitlines():
        match = _DEVICE_ROW.match(line)
        if match:
            _, address, perms, vendor, product = match.groups()
            address = _unquote(address)
            drives[address] = DriveInfo(
                address=address,
                vendor=vendor.strip() or None,
                product=product.strip() or None,
                permissions=perms,
            )
            continue
        busy = _BUSY.search(line)
        if busy:
            address = _unquote(busy.group(1))
            drives.setdefault(address, DriveInfo(address=address)).busy = True
    return list(drives.values())


_FORMAT_ROW = re.compile(r"^(\d+)\s*:\s*([0-9A-Fa-f]+)h\s*,\s*(\d+)s\s*,\s*(.*?)\s*$")
_FORMAT_STATUS = re.compile(r"^(.*?)(?:,\s*(?:with|up to)\s+(.*?))?\s*$")
_SPARE = re.compile(r"^(\d+) blocks consumed, (\d+) blocks available")


def parse_formats(text: str) -> Formats:
    """`-list_formats` output; on non-MMC drives (stdio:) it says formatting does not apply."""
    formats = Formats()
    for line in text.splitlines():
        if (value := _field(line, "Format status")) is not None:
            match = _FORMAT_STATUS.match(value)
            if match:
                formats.status, formats.status_size_text = match.group(1), match.group(2)
        elif (value := _field(line, "BD Spare Area")) is not None:
            match = _SPARE.match(value)
            if match:
                formats.spare_consumed, formats.spare_available = map(int, match.groups())
        elif line.startswith("Format idx"):
            match = _FORMAT_ROW.match(line[len("Format idx") :].strip())
            if match:
                index, code, blocks, size_text = match.groups()
                formats.entries.append(
                    FormatEntry(int(index), int(code, 16), int(blocks), size_text)
                )
        elif "not an MMC drive" in line:
            formats.applicable = False
    return formats
