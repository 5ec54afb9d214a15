"""The job view repaints at most every other xorriso line and never repaints what did not
change (issue 12: bytes on a slow terminal link); figures stay truthful. Driven by the job's
own clock (Progress.elapsed), so nothing here depends on how fast the machine is."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import Digits

import styles
from app.engine.progress import Progress
from app.jobs.progress_history import ProgressHistory
from widgets.job.bar_gauge import BarGauge
from widgets.job.latest_lines import LatestLines
from widgets.job.progress_view import JobProgressView, carry


class ViewApp(App):
    def compose(self) -> ComposeResult:
        yield JobProgressView([], buffers=True)


class NoTimer:
    """Stands in for the flush timer, so a slow machine cannot fire it mid-test."""

    def stop(self) -> None:
        pass


def view_of(app: App) -> JobProgressView:
    view = app.query_one(JobProgressView)
    view.set_timer = lambda *args, **kwargs: NoTimer()  # type: ignore[method-assign,assignment]
    return view


def writing(second: int, **figures: object) -> Progress:
    line = f"xorriso : UPDATE : Writing: {second * 100}s {second}.0% fifo 100% buf 50%"
    defaults: dict[str, object] = {"percent": float(second), "sectors": second * 100}
    return Progress("writing", elapsed=float(second), line=line, **(defaults | figures))


def test_a_line_that_lacks_a_figure_keeps_the_one_not_shown_yet() -> None:
    older = writing(1, speed=4.0, speed_unit="xD", fifo=90)
    newer = writing(2, fifo=100)
    merged = carry(older, newer)
    assert (merged.speed, merged.speed_unit, merged.fifo, merged.percent) == (4.0, "xD", 100, 2.0)


async def test_figures_repaint_every_other_line_and_a_new_phase_at_once() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = view_of(app)
        percent = view.query_one("#op-percent", Digits)
        shown = []
        for second in range(1, 6):
            view.update(writing(second, speed=4.0 + second / 10, speed_unit="xD"))
            await pilot.pause()
            shown.append(percent.value)
        assert shown == ["1%", "1%", "3%", "3%", "5%"]
        assert view.query_one("#gauge-speed", BarGauge).caption.startswith("4.5xD")
        view.update(Progress("closing", elapsed=5.2))  # a new phase is not held back
        await pilot.pause()
        assert "Closing" in str(view.query_one("#op-phase").content)


async def test_a_held_back_line_is_shown_when_no_next_line_comes() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = view_of(app)
        view.update(writing(1))
        view.update(writing(2))
        assert view.query_one("#op-percent", Digits).value == "1%"
        view.paint()  # what the flush timer does when xorriso goes quiet
        await pilot.pause()
        assert view.query_one("#op-percent", Digits).value == "2%"


async def test_latest_lines_repaint_only_rows_that_changed() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        lines = app.query_one(LatestLines)
        lines.show(["a", "b"])
        await pilot.pause()
        painted: list[Region] = []
        real_refresh = lines.refresh

        def refresh(*regions: Region, **kwargs: bool) -> LatestLines:
            painted.extend(regions)
            return real_refresh(*regions, **kwargs)

        lines.refresh = refresh  # type: ignore[method-assign]
        lines.show(["a", "b"])
        assert painted == [], "the same lines are not repainted"
        lines.show(["a", "bb", "c"])
        (region,) = painted
        assert (region.y, region.height, region.width) == (1, 2, 2)  # rows 1-2, two columns


def test_the_kept_history_is_one_a_second_each_phase_ending_with_its_last_figures() -> None:
    history = ProgressHistory()
    for tenth in range(1, 31):  # a line every 0.1 s for 3 s
        history.add(writing(tenth, speed=float(tenth)), now=tenth / 10)
    history.add(Progress("closing", elapsed=3.05), now=3.05)
    history.add(Progress("closing", elapsed=3.1), now=3.1)
    kept = [(e.phase, e.percent) for e in history.events]
    assert kept == [("writing", 1.0), ("writing", 11.0), ("writing", 21.0), ("writing", 30.0),
                    ("closing", None)]  # fmt: skip
    assert history.samples == [(e.speed, e.buffer) for e in history.events]
    assert history.replay()[-1].elapsed == 3.1, "the newest event is shown, kept or not"
    assert history.ran_for(now=10.1) == 10.0


def test_a_full_history_halves_keeping_each_phase_s_ends_and_doubles_its_spacing() -> None:
    history = ProgressHistory(cap=10)
    history.add(Progress("preparing"), now=0.0)
    for second in range(1, 12):
        history.add(writing(second), now=float(second))
    assert len(history.events) <= 10 and history.every == 2.0
    assert history.events[0].phase == "preparing" and history.events[1].percent == 1.0
    assert history.events[-1].percent == 10.0, "the last one kept before the halving"
    assert history.replay()[-1].percent == 11.0, "within the new spacing: held, still shown"
    samples = history.samples  # a job screen draws from this very list
    history.add(Progress("done", percent=100.0), now=12.0)
    assert samples is history.samples and len(samples) == len(history.events)


async def test_a_replayed_history_shows_the_gauges_and_lines_as_they_were() -> None:
    """A finished job's screen opened again: not the last event (no figures) alone."""
    app = ViewApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = view_of(app)
        events = [writing(s, speed=3.0 + s / 10, speed_unit="xD", fifo=90 - s, buffer=50)
                  for s in range(1, 9)] + [Progress("done", percent=100.0, elapsed=9.0)]  # fmt: skip
        view.samples[:] = [(e.speed, e.buffer) for e in events]
        view.replay(events, ran_for=9.5)
        await pilot.pause()
        gauges = {g.id: (g.value, g.caption) for g in view.query(BarGauge)}
        assert gauges["gauge-fifo"] == (82, "") and gauges["gauge-buffer"] == (50, "")
        assert gauges["gauge-speed"][1].startswith("3.8xD") and view.peak_speed == 3.8
        assert view.query_one("#op-percent", Digits).value == "100%"
        assert "elapsed 0:09" in str(view.query_one("#op-sectors").content)
        shown = app.query_one(LatestLines)
        assert sum("Writing:" in line for line in view.lines) == 6, "xorriso's last lines"
        assert shown.display


class StyledViewApp(ViewApp):
    """With the app's stylesheet: the digits' and the phase box's widths are set there."""

    CSS_PATH = str(Path(styles.__file__).parent / "discdeck.tcss")


async def test_the_counts_line_fits_the_phase_box_at_60x20() -> None:
    """At 60 columns "19,584 of 58,944 sectors · elapsed 0:03" was cut to "… · ela"; a
    shorter form is shown there, the full one at 80 columns."""
    app = StyledViewApp()
    async with app.run_test(size=(60, 20)) as pilot:
        view = view_of(app)
        for second in (1, 2, 3):
            view.update(writing(second, sectors=19_584 * second, total_sectors=58_944))
            await pilot.pause()
        counts = view.query_one("#op-sectors")
        shown = str(counts.render())
        assert shown == "58,752/58,944 · 0:03", shown
        assert counts.size.width <= view.query_one("#op-phase-box").content_size.width
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        for second in (4, 5):  # every other line is painted
            view.update(writing(second, sectors=58_944, total_sectors=58_944))
            await pilot.pause()
        assert str(counts.render()) == "58,944 of 58,944 sectors · elapsed 0:05"
