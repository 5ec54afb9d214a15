"""A job's progress as it went, kept for a screen opened later (hidden and reopened, or
opened after the job finished), so its gauges, percent and history graph come back as
they were instead of flat. Bounded: a burn of hours keeps its whole course, coarser."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.engine.progress import Progress

EVERY = 1.0
"""Seconds between the samples kept (xorriso reports about once a second, or faster)."""
CAP = 1200
"""Samples kept at most: when full, every other one goes and the spacing doubles."""

Sample = tuple[float | None, float | None]
"""(speed, drive buffer) of one kept event: what the job screen's history graph draws."""


@dataclass
class ProgressHistory:
    every: float = EVERY
    cap: int = CAP
    events: list[Progress] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    """The events' (speed, buffer), in step with them; thinned in place, so a job screen
    that shares this list draws from it as it grows."""
    began: float | None = None
    """When the first event came (time.monotonic())."""
    last: float | None = None
    """When the newest event came, kept or not."""
    _held: Progress | None = None
    """The newest event not kept (within `every` of the last kept one)."""
    _kept_at: float = 0.0

    def add(self, progress: Progress, now: float) -> None:
        """Keep `progress` if `every` has passed since the last kept one; a new phase is
        always kept, after the previous phase's last event (its final figures)."""
        self.began = now if self.began is None else self.began
        self.last = now
        newest = self.events[-1] if self.events else None
        if newest is not None and progress.phase == newest.phase and now - self._kept_at < self.every:
            self._held = progress
            return
        if self._held is not None and self._held.phase != progress.phase:
            self._keep(self._held)
        self._held = None
        self._kept_at = now
        self._keep(progress)

    def replay(self) -> list[Progress]:
        """What a screen opened now is shown: every kept event, and the newest one."""
        return self.events + ([self._held] if self._held is not None else [])

    def ran_for(self, now: float) -> float:
        """Seconds from the first event to `now`."""
        return 0.0 if self.began is None else max(0.0, now - self.began)

    def _keep(self, progress: Progress) -> None:
        self.events.append(progress)
        self.samples.append((progress.speed, progress.buffer))
        if len(self.events) > self.cap:
            self._thin()

    def _thin(self) -> None:
        """Every other event goes, but never the first or last of a phase."""
        events = self.events
        kept = [
            event
            for n, event in enumerate(events)
            if n % 2 == 0
            or n == len(events) - 1
            or event.phase != events[n - 1].phase
            or event.phase != events[n + 1].phase
        ]
        if len(kept) > self.cap:  # phases that change at every event: halve them anyway
            kept = events[::2] + events[-1:] if len(events) % 2 == 0 else events[::2]
        self.events[:] = kept
        self.samples[:] = [(e.speed, e.buffer) for e in kept]
        self.every *= 2
