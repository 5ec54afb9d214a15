"""Messages that thread workers post back to the UI (post_message is thread-safe)."""

from __future__ import annotations

from textual.message import Message

from app.catalog import DriveEntry
from app.engine.models import MediumReport


class DrivesFound(Message):
    def __init__(self, entries: list[DriveEntry]) -> None:
        super().__init__()
        self.entries = entries


class MediumRead(Message):
    def __init__(self, address: str, report: MediumReport, seconds: float) -> None:
        super().__init__()
        self.address = address
        self.report = report
        self.seconds = seconds


class MediumFailed(Message):
    def __init__(self, address: str, reason: str) -> None:
        super().__init__()
        self.address = address
        self.reason = reason
