"""Per-operation journal: argv, every output line with its time, exit status and result.

Written and flushed line by line while the job runs, so it survives a crash of the UI and
tells afterwards what xorriso said. Mode 0600: argv and output name the user's files.
Non-UTF-8 file names are kept byte-exact (surrogate escapes are written back as the raw
bytes); `read_journal` decodes leniently, `journal_lines` prepares a journal for people.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import time
from pathlib import Path
from typing import TextIO

from app.engine.readable import printable, shell_words

SUFFIX = ".log"
BANNER = re.compile(r"^(GNU )?xorriso \d[\w.-]* : RockRidge filesystem manipulator")
"""xorriso's start-up banner, which it writes to stderr: its version, not an error."""
CHANNELS = "channels: R result, I info, M mark, B xorriso's banner (stderr), E other stderr"


def journal_channel(channel: str, text: str) -> str:
    """The journal's label for a line: B for xorriso's banner, which comes on stderr (E)
    and would read as an error; the channel as it came for every other line."""
    return "B" if channel == "E" and BANNER.match(text) else channel


class Journal:
    """An open journal file, named like 20261122-051233-burn.log."""

    def __init__(self, folder: Path, kind: str, argv: list[str]) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.path, fd = _create(folder, f"{stamp}-{kind}")
        self._file: TextIO | None = os.fdopen(
            fd, "w", encoding="utf-8", errors="surrogateescape", newline="\n"
        )
        self._write(f"# discdeck journal: {kind}")
        self._write("started: " + time.strftime("%Y-%m-%d %H:%M:%S %z"))
        self._write("argv: " + json.dumps(argv))
        self._write("command: " + shlex.join(argv))
        self._write(CHANNELS)
        self._write("")

    def _write(self, text: str) -> None:
        if self._file is None:
            return
        self._file.write(text + "\n")
        self._file.flush()

    def line(self, channel: str, text: str, at: float) -> None:
        """One output line: seconds since start, channel (R/I/M/B/E) and the text."""
        # A newline inside a file name must not start a journal line of its own.
        label = journal_channel(channel, text)
        self._write(f"{at:9.3f} {label} {text.replace(chr(10), chr(92) + 'n')}")

    def finish(self, returncode: int, worst: str, outcome: str, message: str) -> None:
        self._write("")
        self._write(f"exit status: {returncode}")
        self._write(f"worst severity: {worst}")
        self._write(f"outcome: {outcome}")
        self._write(f"result: {message}")
        self._write("finished: " + time.strftime("%Y-%m-%d %H:%M:%S %z"))
        self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _create(folder: Path, stem: str) -> tuple[Path, int]:
    """Create a fresh 0600 file; two jobs in the same second get -2, -3... suffixes."""
    for n in range(1, 1000):
        path = folder / (f"{stem}{SUFFIX}" if n == 1 else f"{stem}-{n}{SUFFIX}")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        os.fchmod(fd, 0o600)  # whatever the umask
        return path, fd
    raise FileExistsError(f"too many journals named {stem} in {folder}")


def list_journals(folder: Path) -> list[Path]:
    """Journal files in `folder`, newest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []

    def key(path: Path) -> tuple[str, int]:
        try:
            return (path.name[:15], path.stat().st_mtime_ns)
        except OSError:
            return (path.name[:15], 0)

    return sorted(folder.glob(f"*{SUFFIX}"), key=key, reverse=True)


def read_journal(path: Path) -> str:
    """The journal's text for display (undecodable bytes shown as U+FFFD)."""
    return Path(path).read_text(encoding="utf-8", errors="replace")


def journal_lines(path: Path, limit: int | None = None) -> list[str]:
    """The journal as people read it: one printable line per line, undecodable bytes as
    `\\xff`, and the argv as shell words in place of its JSON (where Cyrillic reads
    `\\u041f`) and of the raw `command:` line. Only the last `limit` lines if there are more."""
    with Path(path).open("rb") as handle:
        raw = handle.read().split(b"\n")
    if raw and raw[-1] == b"":
        raw.pop()
    lines: list[str] = []
    skip_to = -1  # the raw command line after the argv: up to this index, left out
    for number, data in enumerate(raw):
        if number <= skip_to:
            continue
        text = data.decode("utf-8", "backslashreplace")
        argv = _argv(text) if number < 8 else None  # the head: kind, started, argv, command
        if argv is None:
            lines.append(printable(text))
            continue
        lines.append("argv: " + shell_words(argv))
        if raw[number + 1 : number + 2] and raw[number + 1].startswith(b"command: "):
            # a name holding a newline spreads the command over more lines
            skip_to = number + 1 + shlex.join(argv).count("\n")
    if limit is not None and len(lines) > limit:
        lines = [f"… {len(lines) - limit} earlier lines not shown …", *lines[-limit:]]
    return lines


def _argv(line: str) -> list[str] | None:
    """The arguments of an `argv: [...]` line, or None for any other line."""
    if not line.startswith("argv: "):
        return None
    try:
        argv = json.loads(line[len("argv: ") :])
    except ValueError:
        return None
    if not isinstance(argv, list) or not all(isinstance(arg, str) for arg in argv):
        return None
    return argv


def journal_outcome(path: Path) -> str:
    """The outcome word from a journal's last lines, without reading the whole file."""
    try:
        with Path(path).open("rb") as handle:
            handle.seek(0, 2)
            handle.seek(max(handle.tell() - 2048, 0))
            tail = handle.read().decode("utf-8", "replace")
    except OSError:
        return "?"
    for word in ("cancelled", "failed", "ok"):
        if f"outcome: {word}" in tail or f'"outcome": "{word}"' in tail:
            return word
    return "running or unfinished"


def append_medium_state(path: str | Path | None, state: str) -> None:
    """Add the medium's state as re-read after the operation: the truth a journal ends with."""
    append_note(path, f"medium after: {state}")


def append_note(path: str | Path | None, line: str) -> None:
    """Add a line the finish step learned after the job (the medium, a vanished drive)."""
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(f"{line}\n")
    except OSError:
        pass  # a journal that cannot be extended must not fail the operation
