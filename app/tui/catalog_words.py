"""How the catalog and health screens say a disc, its verdict and a catalog they cannot use."""

from __future__ import annotations

import sqlite3

from rich.text import Text

from app.archive.catalog import catalog_path
from app.config import recorders_dir
from app.media.view import short_address


def catalog_problem(exc: BaseException) -> str:
    """One line naming the fix; the catalog file is left as it is (nothing is lost)."""
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and "locked" in text:
        return "the catalog is busy (another discdeck is writing to it): try again in a moment"
    if "newer discdeck" in text:
        return text
    return f"the catalog cannot be read ({text}): it is left as it is at {catalog_path()}"


def counted(n: int, word: str) -> str:
    """"1 file", "2 files" (a status line said "1 files on 1 disc(s)")."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def disc_line(medium: dict) -> Text:
    """"PHOTOS_2019, made 2023-11-14 22:13 · 12 files · set PHOTOS, disc 1 of 3"."""
    made = (medium.get("created") or "").replace("T", " ")[:16] or "unknown date"
    parts = [f"made {made}", counted(medium.get("files") or 0, "file")]
    if medium.get("set"):
        parts.append(f"set {medium['set']}, disc {medium['disc_no']} of {medium['discs']}")
    return Text.assemble((medium.get("volume_id") or "(no volume id)", "bold"), ", ", " · ".join(parts))


def drive_label(address: str) -> str:
    """A check's drive in a table column: a virtual recorder (or a shelved medium) by its
    name, "virtual-dvd" or "shelf/virtual-dvd-20261130-190509", not by its image's path
    (at 80 columns "stdio:~/.local/share/discdeck/recorders/…" was all the column showed)."""
    folder = f"stdio:{recorders_dir()}/"
    if address.startswith(folder) and address.endswith(".iso"):
        return address[len(folder) : -len(".iso")]
    return short_address(address)


def verdict_text(verdict: str) -> Text:
    if verdict.startswith("copy"):
        return Text(verdict.replace("copy this disc now", "COPY THIS DISC NOW", 1), style="bold red")
    return Text(f"health: {verdict}", style="green" if verdict == "ok" else "yellow")


def short_verdict(verdict: str) -> Text:
    """A word or two for a list row ("never checked" is said there already)."""
    if verdict == "never checked":
        return Text("")
    if verdict.startswith("copy"):
        return Text("COPY THIS DISC NOW", style="bold red")
    if verdict == "ok":
        return Text("ok", style="green")
    return Text(verdict, style="yellow")
