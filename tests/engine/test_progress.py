"""Pacifier parsing and the progress tracker, on recorded transcripts of real xorriso runs.

Values are asserted exactly as xorriso printed them; the tracker is fed synthetic clocks so
that ETA behaviour on flat, jumpy and backwards-running percentages is deterministic.
"""

from __future__ import annotations

import re

import pytest

from app.engine.progress import SPEED_BASE, Progress, ProgressTracker, parse_progress_line
from tests.conftest import FIXTURES, fixture_text

NOT_PROGRESS = re.compile(r"files added in|nodes read in|Found matching MD5")
"""UPDATE lines that are pacifiers of the tree load, not of the job: no Progress."""


def fields(p: Progress | None) -> dict:
    assert p is not None
    return {k: v for k, v in vars(p).items() if v is not None and k not in ("line", "elapsed")}


COMMIT_FIXTURE = [
    # (sectors, percent, fifo, buf, speed)
    (544, 3.7, 100, 50, None),
    (2176, 14.7, 100, 50, 8.0),
    (4896, 33.0, 100, 50, 8.0),
    (7616, 51.3, 100, 50, 8.0),
    (10336, 69.6, 100, 50, 8.0),
    (13056, 87.9, 79, 50, 8.0),
]


def test_every_writing_line_of_the_recorded_commit() -> None:
    lines = [x for x in fixture_text("rec-commit-pacifier.all.txt").splitlines() if "Writing:" in x]
    parsed = [parse_progress_line(line) for line in lines]
    assert len(parsed) == len(COMMIT_FIXTURE)
    for p, (sectors, percent, fifo, buf, speed) in zip(parsed, COMMIT_FIXTURE, strict=True):
        assert p is not None and p.phase == "writing"
        assert (p.sectors, p.percent, p.fifo, p.buffer, p.speed) == (
            sectors,
            percent,
            fifo,
            buf,
            speed,
        )
        if speed is None:
            assert p.speed_unit is None and p.bytes_per_s is None
        else:
            assert p.speed_unit == "xD"
            assert p.bytes_per_s == pytest.approx(speed * 1_385_000)


EXACT = [
    (
        "xorriso : UPDATE : Thank you for being patient. Working since 2 seconds.",
        "preparing",
        {},
        2.0,
    ),
    (
        "xorriso : UPDATE : Writing:       32s    0.1%   fifo 100%  buf   0%  0.1xD",
        "writing",
        dict(sectors=32, percent=0.1, fifo=100, buffer=0, speed=0.1, speed_unit="xD",
             bytes_per_s=138_500.0),
        0.0,
    ),
    (
        "xorriso : UPDATE : Writing:    52885s  100.0%   fifo   0%  buf  99%  0.0xD",
        "writing",
        dict(sectors=52885, percent=100.0, fifo=0, buffer=99, speed=0.0, speed_unit="xD",
             bytes_per_s=0.0),
        0.0,
    ),
    (
        "xorriso : UPDATE : Writing:      35548s   23.0%   fifo   0%  buf  50%  179.3xD ",
        "writing",
        dict(sectors=35548, percent=23.0, fifo=0, buffer=50, speed=179.3, speed_unit="xD",
             bytes_per_s=pytest.approx(179.3 * 1_385_000)),
        0.0,
    ),
    (
        "Writing:       8192s    5.3%   fifo 100%  buf  50%    0.0xD ",
        "writing",
        dict(sectors=8192, percent=5.3, fifo=100, buffer=50, speed=0.0, speed_unit="xD",
             bytes_per_s=0.0),
        0.0,
    ),
    (
        "xorriso : UPDATE : Writing:     16000s   4.2%   fifo  12%  buf  97%   24.0xC",
        "writing",
        dict(sectors=16000, percent=4.2, fifo=12, buffer=97, speed=24.0, speed_unit="xC",
             bytes_per_s=24.0 * 153_600),
        0.0,
    ),
    (
        "xorriso : UPDATE : Writing:     16000s   4.2%   fifo  12%  buf  97%    2.0xB",
        "writing",
        dict(sectors=16000, percent=4.2, fifo=12, buffer=97, speed=2.0, speed_unit="xB",
             bytes_per_s=2.0 * 4_495_625),
        0.0,
    ),
    (
        "xorriso : UPDATE : Closing track/session. Working since 44 seconds",
        "closing",
        {},
        44.0,
    ),
    ("Closing track/session. Working since 77 seconds", "closing", {}, 77.0),
    ("xorriso : UPDATE : Blanking  ( 98.9% done in 902 seconds )", "blanking", dict(percent=98.9), 902.0),
    ("Blanking  ( 12.3% done in 5 seconds )", "blanking", dict(percent=12.3), 5.0),
    ("xorriso : UPDATE : Blanking  ( synchronously since 5 seconds )", "blanking", {}, 5.0),
    ("xorriso : UPDATE : Formatting  ( 99.0% done in 912 seconds )", "formatting", dict(percent=99.0), 912.0),
    (
        "xorriso : UPDATE : 568079 content bytes read in 5 seconds",
        "verifying",
        dict(bytes_done=568079),
        5.0,
    ),
    (
        "xorriso : UPDATE :  17074k content bytes read in 10 seconds",
        "verifying",
        dict(bytes_done=17074 * 1024),
        10.0,
    ),
    (
        "xorriso : UPDATE :  103.7m content bytes read in 35 seconds",
        "verifying",
        dict(bytes_done=round(103.7 * 1024**2)),
        35.0,
    ),
    (
        "xorriso : UPDATE : 2882.2m content bytes read in 5 seconds , 436.4xD",
        "verifying",
        dict(bytes_done=round(2882.2 * 1024**2), speed=436.4, speed_unit="xD",
             bytes_per_s=pytest.approx(436.4 * 1_385_000)),
        5.0,
    ),
    (
        "3000.0m content bytes read in 5 seconds = 436.4xD",
        "verifying",
        dict(bytes_done=round(3000.0 * 1024**2), speed=436.4, speed_unit="xD",
             bytes_per_s=pytest.approx(436.4 * 1_385_000)),
        5.0,
    ),
    (
        "xorriso : UPDATE :  298400 blocks read in 1 seconds , 441.2xD",
        "verifying",
        dict(sectors=298400, speed=441.2, speed_unit="xD",
             bytes_per_s=pytest.approx(441.2 * 1_385_000)),
        1.0,
    ),
    (
        "xorriso : UPDATE : 1536062 blocks read in 9 seconds = 259.1xD",
        "verifying",
        dict(sectors=1536062, speed=259.1, speed_unit="xD",
             bytes_per_s=pytest.approx(259.1 * 1_385_000)),
        9.0,
    ),
    (
        "xorriso : UPDATE : 77408 of 154816 blocks read in 1 seconds = 228.9xD",
        "verifying",
        dict(sectors=77408, total_sectors=154816, percent=50.0, speed=228.9, speed_unit="xD",
             bytes_per_s=pytest.approx(228.9 * 1_385_000)),
        1.0,
    ),
]  # fmt: skip


@pytest.mark.parametrize(("line", "phase", "expected", "elapsed"), EXACT)
def test_exact_values(line: str, phase: str, expected: dict, elapsed: float) -> None:
    progress = parse_progress_line(line)
    assert progress is not None
    assert progress.phase == phase
    assert fields(progress) == {"phase": phase, **expected}
    assert progress.elapsed == elapsed
    assert progress.line == line


def test_prefix_is_optional() -> None:
    for line, *_ in EXACT:
        bare = re.sub(r"^xorriso : UPDATE : ?", "", line)
        assert fields(parse_progress_line(bare)) == fields(parse_progress_line(line))


def test_every_update_line_in_the_fixtures_is_understood() -> None:
    """Each pacifier of every recorded transcript is progress, or knowingly not."""
    seen = set()
    for path in sorted(FIXTURES.glob("*.txt")):
        for raw in path.read_text().splitlines():
            line = re.sub(r"^[RIM]:[01]: ?", "", raw)  # -pkt_output recordings: the runner strips it
            if ": UPDATE :" not in line:
                continue
            progress = parse_progress_line(line)
            if NOT_PROGRESS.search(line):
                assert progress is None, line
            else:
                assert progress is not None, f"{path.name}: {line!r}"
                seen.add(progress.phase)
    assert seen == {"preparing", "writing", "closing", "blanking", "formatting", "verifying"}


@pytest.mark.parametrize(
    "line",
    [
        "",
        "Writing to 'stdio:/x.iso' completed successfully.",
        "ISO image produced: 14678 sectors",
        "xorriso : UPDATE :       3 nodes read in 1 seconds",
        "xorriso : NOTE : Writing:  544s  3.7%  fifo 100%  buf  50%",
        "R:1: Image size   : 154816s",
        "Blanking done",
    ],
)
def test_other_lines_are_not_progress(line: str) -> None:
    assert parse_progress_line(line) is None


def test_speed_bases() -> None:
    assert SPEED_BASE == {"xC": 153_600, "xD": 1_385_000, "xB": 4_495_625}


def writing(sectors: int, percent: float | None) -> str:
    pct = f"{percent:5.1f}%" if percent is not None else "123.4m"
    return f"xorriso : UPDATE : Writing:  {sectors:8d}s  {pct}   fifo 100%  buf  50%   8.0xD "


def test_tracker_total_elapsed_and_eta_on_the_recorded_commit() -> None:
    """The recorded commit at its real cadence (0.5 s): total from -print_size, ETA shrinks."""
    tracker = ProgressTracker(started=100.0)
    assert tracker.feed("Image size   : 14880s", 100.1) is None
    lines = [x for x in fixture_text("rec-commit-pacifier.all.txt").splitlines() if "Writing:" in x]
    out = [tracker.feed(line, 101.0 + 0.5 * i) for i, line in enumerate(lines)]
    assert all(p is not None and p.total_sectors == 14880 for p in out)
    assert [p.elapsed for p in out] == pytest.approx([1.0 + 0.5 * i for i in range(len(lines))])
    etas = [p.eta_s for p in out]
    assert etas[0] is None and etas[1] is None  # one sample, then less than a second
    assert all(e is not None and e > 0 for e in etas[2:])
    assert etas[2:] == sorted(etas[2:], reverse=True)
    # At 87.9% after 2.5 s of ~18%/s the rest takes well under two seconds.
    assert 0.2 < etas[-1] < 2.0


def test_tracker_fills_percent_from_the_total_when_xorriso_prints_none() -> None:
    tracker = ProgressTracker(started=0.0)
    tracker.feed("R:1: Image size   : 10000s", 0.0)
    assert tracker.total_sectors is None  # packet prefixes are the runner's business
    tracker.feed("Image size   : 10000s", 0.0)
    p = tracker.feed(writing(2500, None), 1.0)
    assert p is not None and p.percent == 25.0 and p.total_sectors == 10000


def test_tracker_eta_on_a_flat_percentage_is_unknown_not_absurd() -> None:
    """Real DVD-RW blanking says "1.0% done" for many seconds, then jumps."""
    tracker = ProgressTracker(started=0.0)
    results = []
    for second in range(1, 121):
        p = tracker.feed(f"Blanking  ( 1.0% done in {second} seconds )", float(second))
        assert p is not None and p.elapsed == float(second)
        results.append(p.eta_s)
    assert all(eta is None for eta in results)
    jumped = tracker.feed("Blanking  ( 40.0% done in 121 seconds )", 121.0)
    assert jumped is not None and jumped.eta_s is not None and 0 < jumped.eta_s < 3600
    done = tracker.feed("Blanking  ( 100.0% done in 140 seconds )", 140.0)
    assert done is not None and done.eta_s == 0.0


def test_tracker_eta_never_negative_on_jumpy_and_backwards_input() -> None:
    tracker = ProgressTracker(started=0.0)
    sequence = [5, 5, 30, 29, 31, 31, 80, 10, 12, 99.9, 100, 101]
    for i, pct in enumerate(sequence, start=1):
        p = tracker.feed(f"Blanking  ( {pct:.1f}% done in {i} seconds )", float(i))
        assert p is not None
        assert p.eta_s is None or 0.0 <= p.eta_s <= 7 * 24 * 3600


def test_tracker_steady_rate_gives_a_close_eta_and_bytes_per_second() -> None:
    tracker = ProgressTracker(started=0.0)
    tracker.feed("Image size   : 100000s", 0.0)
    p = None
    for t in range(1, 11):  # 2000 sectors/s of 100000: 2% per second
        line = f"Writing:  {2000 * t:8d}s  {2.0 * t:5.1f}%   fifo 100%  buf  50%"
        p = tracker.feed(line, float(t))
    assert p is not None
    assert p.eta_s == pytest.approx(40.0)
    assert p.bytes_per_s == pytest.approx(2000 * 2048)  # from the sector count: no speed field


def test_tracker_check_percent_is_an_estimate_from_the_data_blocks() -> None:
    tracker = ProgressTracker(started=0.0)
    tracker.feed("Media summary: 1 session, 14678 data blocks, 28.7m data, 79.7g free", 0.0)
    p = tracker.feed("xorriso : UPDATE :  14.3m content bytes read in 5 seconds", 5.0)
    assert p is not None and p.phase == "verifying"
    assert p.percent == pytest.approx(100 * round(14.3 * 2**20) / (14678 * 2048))
    big = tracker.feed("xorriso : UPDATE :  40.0m content bytes read in 10 seconds", 10.0)
    assert big is not None and big.percent == 99.9  # never claims done before xorriso does
