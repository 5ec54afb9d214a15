"""RemoteVerifyJob: a medium on another machine compared with the image written to it.

The local compare (verify_image.py) reads the medium block by block; over ssh that would
send the whole image back. Instead the agent there hashes exactly the image's length of the
medium (SHA-256) while this side hashes the image, and only the digests cross the link. A
difference is said as such; which block differs is not known (compare locally for that).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator

from app.engine.address import Address
from app.engine.progress import Progress, ProgressTracker
from app.engine.remote_calls import agent_process
from app.engine.ssh import ssh_failure
from app.engine.xorriso_job import CANCELLED, OperationResult
from app.iso.records import SECTOR


def _image_digest(image: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(image, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class RemoteVerifyJob:
    kind = "verify"
    detached = False

    def __init__(self, address: Address, image: str, stamp: tuple[int, int] | None = None):
        assert address.remote is not None
        self.address, self.image, self.stamp = address, image, stamp
        self.result: OperationResult | None = None
        self._cancelled = False
        self._process = None

    def cancel(self) -> None:
        self._cancelled = True
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()

    def stop_reading(self) -> None:
        """It runs in this process: quitting ends it (the app cancels it first)."""

    def events(self) -> Iterator[Progress]:
        tracker = ProgressTracker(started=time.monotonic())
        yield tracker.enrich(Progress("verifying", percent=0.0), time.monotonic())
        try:
            info = os.stat(self.image)
            if self.stamp and [info.st_size, info.st_mtime_ns] != list(self.stamp):
                self.result = self._result("failed", f"{self.image} changed since it was written")
            else:
                expected, size = _image_digest(self.image)
                yield from self._remote(tracker, expected, size)
        except OSError as exc:
            self.result = self._result("failed", f"cannot read {exc.filename}: {exc.strerror}")
        percent = 100.0 if self.result and self.result.outcome == "ok" else None
        yield tracker.enrich(Progress("done", percent=percent), time.monotonic())

    def _remote(self, tracker: ProgressTracker, expected: str, size: int) -> Iterator[Progress]:
        remote = self.address.remote
        assert remote is not None
        total = -(-size // SECTOR)
        process = self._process = agent_process(remote, "digest", self.address.path, str(size))
        assert process.stdout is not None and process.stderr is not None
        answer: list[str] = []
        for raw in process.stdout:
            words = os.fsdecode(raw).split()
            if words[:1] == ["progress"]:
                sectors = int(words[1]) // SECTOR
                progress = Progress("verifying", percent=100.0 * sectors / total,
                                    sectors=sectors, total_sectors=total)  # fmt: skip
                yield tracker.enrich(progress, time.monotonic())
            elif words[:1] == ["sha256"]:
                answer = words[1:]
        stderr = os.fsdecode(process.stderr.read()).splitlines()
        returncode = process.wait()
        if self._cancelled:
            self.result = self._result("cancelled", CANCELLED)
        elif len(answer) != 2:
            reason = ssh_failure(remote, returncode, stderr) or (stderr[-1] if stderr else "")
            self.result = self._result("failed", f"cannot read the medium there: {reason}")
        elif int(answer[1]) < size:
            self.result = self._result("failed", f"the medium gave only {int(answer[1]):,} of "
                                       f"the image's {size:,} bytes")  # fmt: skip
        elif answer[0] != expected:
            self.result = self._result("failed", "the medium differs from the image "
                                       "(SHA-256 of the image's length)")  # fmt: skip
        else:
            self.result = self._result("ok", f"the medium matches the image ({size:,} bytes, "
                                       "SHA-256 compared there)")  # fmt: skip

    def _result(self, outcome: str, message: str) -> OperationResult:
        return OperationResult(
            kind="verify", outcome=outcome, message=message, argv=[],  # type: ignore[arg-type]
            returncode=0, worst="ALL",
        )  # fmt: skip
