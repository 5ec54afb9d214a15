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


def _lines(text: str) -> list[str]:
    """The lines of a transcript without the indentation of text pasted from a forum or a
    manual (xorriso's own lines never start with blanks)."""
    return [line.strip() for line in text.splitlines()]


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
_NWA = re.compile(r"^(\d+)s?\b")


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
    for line in _lines(text):
        value = _field(line, "Media summary")
        match = _SUMMARY.match(value) if value is not None else None
        if match:
            sessions, blocks, data, free = match.groups()
            try:
                found = MediaSummary(int(sessions), int(blocks), parse_size(data), parse_size(free))
            except ValueError:
                continue  # a mangled figure: this line says nothing, the others still count
    return found


class _TocBuilder:
    """The TOC being read, one line at a time; a line that does not parse changes nothing."""

    def __init__(self) -> None:
        self.drive = TocDrive(address="")
        self.media = Media()
        self.sessions: dict[int, Session] = {}
        self.summary_sessions: int | None = None

    def line(self, line: str) -> None:
        drive, media = self.drive, self.media
        if (value := _field(line, "Drive current")) is not None:
            match = _DRIVE_CURRENT.match(value)
            drive.address = _unquote(match.group(1)) if match else value
        elif (value := _field(line, "Drive type")) is not None:
            if match := _DRIVE_TYPE.match(value):
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
            if match := _BLOCKS.match(value):
                readable, writable, overall = map(int, match.groups())
                media.readable_blocks, media.writable_blocks = readable, writable
                media.overall_blocks = overall
        elif (value := _field(line, "Media summary")) is not None:
            if match := _SUMMARY.match(value):
                self.summary_sessions = int(match.group(1))
                media.data_blocks = int(match.group(2))
        elif (value := _field(line, "Media nwa")) is not None:
            if match := _NWA.match(value):
                media.nwa = int(match.group(1))
        elif _field(line, "TOC layout") is not None:
            self.sessions.clear()
        elif match := _SESSION_ROW.match(line):
            label, index, start, blocks, volid = match.groups()
            kind = "ISO" if label.startswith("ISO") else "Other"
            self.sessions[int(index)] = Session(
                int(index), kind, int(start), int(blocks), volid.rstrip()
            )

    def toc(self) -> Toc:
        media, sessions = self.media, self.sessions
        counted = self.summary_sessions
        media.sessions_count = counted if counted is not None else len(sessions)
        return Toc(drive=self.drive, media=media, sessions=[sessions[k] for k in sorted(sessions)])


def parse_toc(text: str) -> Toc:
    """Parse `-toc` output (and the drive summary `-dev` prints) into a `Toc`.

    Scalar fields take their last occurrence, session rows are keyed by index, so output
    that repeats the summary (acquisition + `-toc`) parses to one clean TOC. Transcripts
    copied by people parse too: indentation is ignored, and a line with trailing junk
    (`Media nwa : 369968s.`) gives what it can, never a lost TOC.
    """
    builder = _TocBuilder()
    for line in _lines(text):
        try:
            builder.line(line)
        except ValueError:
            continue  # one mangled line says nothing; the rest of the TOC still counts
    return builder.toc()


_DEVICE_ROW = re.compile(
    r"^\s*(\d+)\s+-dev\s+'((?:[^']|'\"'\"')*)'\s+([rw-]{6})\s+:\s+'(.*?)'\s+'(.*?)'\s*$"
)
_BUSY = re.compile(r"Cannot open busy device '((?:[^']|'\"'\"')*)'")


def parse_devices(text: str) -> list[DriveInfo]:
    """Drives from `-devices`/`-device_links`, plus the busy ones xorriso leaves out."""
    drives: dict[str, DriveInfo] = {}
    for line in _lines(text):
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
    for line in _lines(text):
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
