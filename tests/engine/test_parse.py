"""The pure parsers on every recorded, walkthrough and synthetic transcript in tests/fixtures.

Each fixture has one expected value per parser; a fixture that a parser does not apply to
must give that parser's "nothing here" answer (empty Toc, None, [], empty Formats), so a
parser that picks up stray lines from the wrong kind of output fails too.
"""

from __future__ import annotations

import dataclasses

import pytest

from app.engine.models import (
    DriveInfo,
    FormatEntry,
    Formats,
    Media,
    MediaSummary,
    Session,
    Toc,
    TocDrive,
)
from app.engine.parse import (
    parse_devices,
    parse_formats,
    parse_media_summary,
    parse_size,
    parse_toc,
)
from tests.conftest import FIXTURES, fixture_text

KIB, MIB, GIB = 1024, 1024**2, 1024**3
REC = "stdio:/tmp/discdeck-fixtures/"
WARP = {"vendor": "YOYODYNE", "product": "WARP DRIVE", "revision": "FX01"}
STDIO = "stdio file, overwriteable"
DVDRW = "DVD-RW sequential recording"
LG = {"vendor": "HL-DT-ST", "product": "DVDRAM GH24NSD1", "revision": "LG00"}


def toc(
    address: str = "",
    drive: dict[str, str] | None = None,
    sessions: list[Session] | None = None,
    **media: object,
) -> Toc:
    return Toc(TocDrive(address, **(drive or {})), Media(**media), sessions or [])  # type: ignore[arg-type]


def iso(index: int, start: int, blocks: int, volume_id: str) -> Session:
    return Session(index, "ISO", start, blocks, volume_id)


# --------------------------------------------------------------------------- expectations

THREE_SESSIONS = [iso(1, 32, 58, "VOL_S1"), iso(2, 96, 88, "VOL_S2"), iso(3, 192, 118, "VOL_S3")]
BIG_SUMMARY = MediaSummary(1, 14678, round(28.7 * MIB), round(79.7 * GIB))
ONE_SUMMARY = MediaSummary(1, 77, 154 * KIB, round(79.8 * GIB))


def _big(name: str) -> Toc:
    return toc(REC + name, profile=STDIO, status="appendable", sessions_count=1, data_blocks=14678)


# fmt: off
TOCS: dict[str, Toc] = {
    # recorded on stdio: images (R-only and R+I give the same TOC: last occurrence wins)
    "rec-toc-blank.txt": (
        blank := toc(
            REC + "blank.iso", WARP, profile=STDIO, status="blank", readable_blocks=0,
            writable_blocks=41833990, overall_blocks=41833990, sessions_count=0, data_blocks=0,
        )
    ),
    "rec-toc-blank.all.txt": blank,
    "rec-toc-1session.txt": (
        one := toc(
            REC + "one.iso", WARP, [iso(1, 32, 77, "VOL_ONE")], profile=STDIO,
            status="appendable", readable_blocks=128, writable_blocks=41833804,
            overall_blocks=41833932, sessions_count=1, data_blocks=77, nwa=128,
        )
    ),
    "rec-toc-1session.all.txt": one,
    "rec-toc-3session-outdev.txt": (
        three_out := toc(
            REC + "three.iso", WARP, THREE_SESSIONS, profile=STDIO, status="appendable",
            readable_blocks=320, writable_blocks=41833136, overall_blocks=41833456,
            sessions_count=3, data_blocks=264, nwa=320,
        )
    ),
    "rec-toc-3session-outdev.all.txt": three_out,
    "rec-toc-3session-indev.txt": (
        three_in := toc(
            REC + "three.iso", WARP, THREE_SESSIONS, profile=STDIO, status="appendable",
            readable_blocks=320, writable_blocks=41833132, overall_blocks=41833452,
            sessions_count=3, data_blocks=264, nwa=320,
        )
    ),
    "rec-toc-3session-indev.all.txt": three_in,
    "rec-toc-garbage.txt": (
        garbage := toc(
            REC + "garbage.bin", WARP, [Session(1, "Other", 512, 512, "")], profile=STDIO,
            status="closed", readable_blocks=512, writable_blocks=0, overall_blocks=512,
            sessions_count=1, data_blocks=512,
        )
    ),
    "rec-toc-garbage.all.txt": garbage,
    "rec-toc-directory.txt": (
        directory := toc(
            REC + "a-directory",
            {"vendor": "YOYODYNE", "product": "BLACKHOLE", "revision": "FX02"},
            profile="stdio file, sequential", status="blank", readable_blocks=0,
            writable_blocks=536870911, overall_blocks=536870911, sessions_count=0,
            data_blocks=0,
        )
    ),
    "rec-toc-directory.all.txt": directory,
    "rec-toc-after-blank.txt": (
        after_blank := toc(
            REC + "blanked.iso", WARP, profile=STDIO, status="blank", readable_blocks=0,
            writable_blocks=41788010, overall_blocks=41788010, sessions_count=0, data_blocks=0,
        )
    ),
    "rec-toc-after-blank.all.txt": after_blank,
    # recorded transcripts of other commands: only the drive summary of the acquisition
    "rec-blank-fast.all.txt": toc(
        REC + "blanked.iso", profile=STDIO, status="blank", sessions_count=0, data_blocks=0
    ),
    "rec-commit-pacifier.all.txt": _big("big.iso"),
    "rec-check-md5-match.all.txt": _big("big.iso"),
    "rec-check-md5-mismatch.all.txt": _big("bad.iso"),
    "rec-find-report-lba.all.txt": _big("big.iso"),
    "rec-list-formats-stdio.all.txt": toc(
        REC + "one.iso", profile=STDIO, status="appendable", sessions_count=1, data_blocks=77
    ),
    # real drives, from the walkthrough
    "walkthrough-toc-dvdrw-closed-3sessions.txt": toc(
        "/dev/sr1",
        {"vendor": "Optiarc", "product": "BD RW BD-5300S", "revision": "1.04"},
        [
            iso(1, 0, 106696, "ISOIMAGE"),
            iso(2, 135536, 108385, "ISOIMAGE"),
            iso(3, 250240, 56202, "ISOIMAGE"),
        ],
        profile=DVDRW, product="RITEKW04 , Ritek Corp", status="closed",
        readable_blocks=306592, writable_blocks=0, overall_blocks=2298496, sessions_count=3,
        data_blocks=271744,
    ),
    "walkthrough-blank-deformat-quickest.txt": toc(
        profile=DVDRW, status="blank", sessions_count=0, data_blocks=0
    ),
    "walkthrough-blank-as-needed.txt": toc(
        "/dev/sr1", profile=DVDRW, status="blank", sessions_count=0, data_blocks=0
    ),
    "walkthrough-format-as-needed.txt": toc(
        "/dev/sr1",
        profile="DVD-RW restricted overwrite",
        status="blank",
        sessions_count=0,
        data_blocks=0,
    ),
    "walkthrough-check-md5-match-1session.txt": toc(
        "/dev/sr1", profile=DVDRW, status="closed", sessions_count=1, data_blocks=52885
    ),
    "walkthrough-check-md5-match-closed-3sessions.txt": toc(
        profile=DVDRW, status="closed", sessions_count=3, data_blocks=176368
    ),
    "walkthrough-format-by-index-blank.txt": toc(sessions_count=2, data_blocks=105470),
    # synthetic, from the format strings of Xorriso_toc
    "synthetic-toc-no-medium.txt": toc("/dev/sr0", LG, profile=None, status="absent"),
    "synthetic-toc-unreadable.txt": toc(
        "/dev/sr0", LG, profile="DVD+R", product="CMC MAG M01 , CMC Magnetics Corporation",
        status="appendable", readable_blocks=0, writable_blocks=2295104,
        overall_blocks=2295104, sessions_count=0,
    ),
    "synthetic-toc-incomplete-session.txt": toc(
        "/dev/sr0", LG,
        # models.SessionKind has no third kind: an `Incmp session` row is an "Other" one
        [iso(1, 0, 2198, "FIRST_BACKUP"), Session(2, "Other", 2272, 1392, "")],
        profile="DVD-R sequential recording",
        product="MCC 03RG20 , Mitsubishi Chemical Corporation", status="appendable",
        readable_blocks=2272, writable_blocks=2292832, overall_blocks=2298496,
        sessions_count=2, data_blocks=3664, nwa=5664,
    ),
    "synthetic-toc-next-track-damaged.txt": toc(
        "/dev/sr0", LG, [iso(1, 0, 1024, "PHOTOS_2019")], profile="DVD+R",
        product="RITEKF1 , Ritek Corp", status="appendable", readable_blocks=1056,
        writable_blocks=2294048, overall_blocks=2295104, sessions_count=1, data_blocks=1056,
    ),
    "synthetic-list-formats-unknown.txt": toc(
        "/dev/sr0", profile="DVD-RW restricted overwrite", status="appendable"
    ),
}
# fmt: on

SUMMARIES: dict[str, MediaSummary] = {
    "rec-toc-blank.txt": (s := MediaSummary(0, 0, 0, round(79.8 * GIB))),
    "rec-toc-blank.all.txt": s,
    "rec-toc-1session.txt": ONE_SUMMARY,
    "rec-toc-1session.all.txt": ONE_SUMMARY,
    "rec-list-formats-stdio.all.txt": ONE_SUMMARY,
    "rec-toc-3session-outdev.txt": (s := MediaSummary(3, 264, 528 * KIB, round(79.8 * GIB))),
    "rec-toc-3session-outdev.all.txt": s,
    "rec-toc-3session-indev.txt": s,
    "rec-toc-3session-indev.all.txt": s,
    "rec-toc-garbage.txt": (s := MediaSummary(1, 512, 1024 * KIB, 0)),
    "rec-toc-garbage.all.txt": s,
    "rec-toc-directory.txt": (s := MediaSummary(0, 0, 0, 1024 * GIB)),
    "rec-toc-directory.all.txt": s,
    "rec-toc-after-blank.txt": (s := MediaSummary(0, 0, 0, round(79.7 * GIB))),
    "rec-toc-after-blank.all.txt": s,
    "rec-blank-fast.all.txt": s,
    "rec-commit-pacifier.all.txt": BIG_SUMMARY,
    "rec-check-md5-match.all.txt": BIG_SUMMARY,
    "rec-check-md5-mismatch.all.txt": BIG_SUMMARY,
    "rec-find-report-lba.all.txt": BIG_SUMMARY,
    "walkthrough-toc-dvdrw-closed-3sessions.txt": MediaSummary(3, 271744, 531 * MIB, 0),
    "walkthrough-blank-deformat-quickest.txt": MediaSummary(0, 0, 0, 4489 * MIB),
    "walkthrough-blank-as-needed.txt": MediaSummary(0, 0, 0, 4489 * MIB),
    "walkthrough-format-as-needed.txt": MediaSummary(0, 0, 0, 4488 * MIB),
    "walkthrough-check-md5-match-1session.txt": MediaSummary(1, 52885, 103 * MIB, 0),
    "walkthrough-check-md5-match-closed-3sessions.txt": MediaSummary(
        3, 176368, 344 * MIB, 4064 * MIB
    ),
    "walkthrough-format-by-index-blank.txt": MediaSummary(2, 105470, 206 * MIB, round(22.4 * GIB)),
    "synthetic-toc-incomplete-session.txt": MediaSummary(2, 3664, 7328 * KIB, 4478 * MIB),
    "synthetic-toc-next-track-damaged.txt": MediaSummary(1, 1056, 2112 * KIB, 4480 * MIB),
}

DEVICES: dict[str, list[DriveInfo]] = {
    "walkthrough-devices.txt": [
        DriveInfo("/dev/sr0", vendor="QEMU", product="QEMU DVD-ROM", permissions="rwrw--"),
        DriveInfo("/dev/sr1", vendor="Optiarc", product="BD RW BD-5300S", permissions="rwrw--"),
    ],
    "synthetic-devices-busy.txt": [
        DriveInfo("/dev/sr1", busy=True),
        DriveInfo("/dev/sr0", vendor="QEMU", product="QEMU DVD-ROM", permissions="rwrw--"),
    ],
    "rec-devices-none.all.txt": [],
}

BDRE_ENTRIES = [
    FormatEntry(0, 0x00, 11826176, "23098.0 MiB"),
    FormatEntry(1, 0x01, 11564032, "22586.0 MiB"),
    FormatEntry(2, 0x30, 11826176, "23098.0 MiB"),
    FormatEntry(3, 0x30, 11564032, "22586.0 MiB"),
    FormatEntry(4, 0x30, 12088320, "23610.0 MiB"),
    FormatEntry(5, 0x31, 12219392, "23866.0 MiB"),
]

# fmt: off
FORMATS: dict[str, Formats] = {
    "walkthrough-list-formats-bdre.txt": Formats(
        status="formatted", status_size_text="23610.0 MiB", spare_consumed=0,
        spare_available=131072, entries=BDRE_ENTRIES,
    ),
    "walkthrough-list-formats-bdre-after.txt": Formats(
        status="formatted", status_size_text="23098.0 MiB", spare_consumed=0,
        spare_available=393216,
    ),
    "rec-list-formats-stdio.all.txt": Formats(applicable=False),
}
# fmt: on

PARSER_BUG_FORMATS = {
    # Xorriso_list_formats prints "intermediate or unknown" / "no media or unknown media":
    # several words and no comma, which parse.py's _FORMAT_STATUS does not match.
    "synthetic-list-formats-unknown.txt": Formats(
        status="intermediate or unknown",
        entries=[
            FormatEntry(0, 0x13, 2295104, "4482.6 MiB"),
            FormatEntry(1, 0x15, 2295104, "4482.6 MiB"),
        ],
    ),
}

ALL_FIXTURES = sorted(p.name for p in FIXTURES.glob("*.txt"))


# --------------------------------------------------------------------------- tests


def test_fixture_set_is_complete() -> None:
    names = set(ALL_FIXTURES)
    assert len(names) >= 40
    for table in (TOCS, SUMMARIES, DEVICES, FORMATS, PARSER_BUG_FORMATS):
        assert set(table) <= names, set(table) - names
    for prefix in ("rec-", "walkthrough-", "synthetic-"):
        assert any(n.startswith(prefix) for n in names)
    for name in names:
        if name.startswith("synthetic-"):
            assert fixture_text(name).startswith("# synthetic: built from the format strings")


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_parse_toc(name: str) -> None:
    assert parse_toc(fixture_text(name)) == TOCS.get(name, toc())


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_parse_media_summary(name: str) -> None:
    assert parse_media_summary(fixture_text(name)) == SUMMARIES.get(name)


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_parse_devices(name: str) -> None:
    assert parse_devices(fixture_text(name)) == DEVICES.get(name, [])


@pytest.mark.parametrize("name", [n for n in ALL_FIXTURES if n not in PARSER_BUG_FORMATS])
def test_parse_formats(name: str) -> None:
    assert parse_formats(fixture_text(name)) == FORMATS.get(name, Formats())


@pytest.mark.parametrize("name", sorted(PARSER_BUG_FORMATS))
def test_parse_formats_status_without_size(name: str) -> None:
    assert parse_formats(fixture_text(name)) == PARSER_BUG_FORMATS[name]


def test_walkthrough_toc_spelled_out() -> None:
    """The headline case, field by field, so a failure reads without a dataclass diff."""
    parsed = parse_toc(fixture_text("walkthrough-toc-dvdrw-closed-3sessions.txt"))
    assert [s.start for s in parsed.sessions] == [0, 135536, 250240]
    assert [s.blocks for s in parsed.sessions] == [106696, 108385, 56202]
    assert [s.kind for s in parsed.sessions] == ["ISO", "ISO", "ISO"]
    assert parsed.media.status == "closed"
    assert parsed.media.readable_blocks == 306592
    assert parsed.media.overall_blocks == 2298496
    assert parsed.media.product == "RITEKW04 , Ritek Corp"
    assert parsed.media.nwa is None


def test_indev_toc_repeats_summary_but_parses_once() -> None:
    text = fixture_text("rec-toc-3session-indev.all.txt")
    assert text.count("Media summary:") == 2
    assert text.count("Drive current:") == 2
    assert len(parse_toc(text).sessions) == 3


def test_toc_asdict_shape() -> None:
    """`discdeck info --json` prints asdict(Toc): its keys are a public interface."""
    doc = dataclasses.asdict(parse_toc(fixture_text("rec-toc-3session-outdev.txt")))
    assert set(doc) == {"drive", "media", "sessions"}
    assert set(doc["drive"]) == {"address", "vendor", "product", "revision"}
    assert set(doc["media"]) == {
        "profile",
        "status",
        "product",
        "readable_blocks",
        "writable_blocks",
        "overall_blocks",
        "sessions_count",
        "data_blocks",
        "nwa",
    }
    assert len(doc["sessions"]) == 3
    for session in doc["sessions"]:
        assert set(session) == {"index", "kind", "start", "blocks", "volume_id"}
    assert doc["sessions"][2] == {
        "index": 3,
        "kind": "ISO",
        "start": 192,
        "blocks": 118,
        "volume_id": "VOL_S3",
    }


def test_toc_asdict_shape_matches_models() -> None:
    fields = {f.name for f in dataclasses.fields(Toc)}
    assert fields == {"drive", "media", "sessions"}
    assert {f.name for f in dataclasses.fields(TocDrive)} == {
        "address",
        "vendor",
        "product",
        "revision",
    }
    assert {f.name for f in dataclasses.fields(Session)} == {
        "index",
        "kind",
        "start",
        "blocks",
        "volume_id",
    }


def test_media_summary_takes_the_last_line() -> None:
    """blank-fast prints the summary before (1 session) and after (blank) blanking."""
    text = fixture_text("rec-blank-fast.all.txt")
    assert "Media summary: 1 session, 77 data blocks" in text
    assert parse_media_summary(text) == MediaSummary(0, 0, 0, round(79.7 * GIB))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4489m", 4489 * MIB),
        ("68.5g", 73551314944),
        ("0", 0),
        ("1036k", 1036 * KIB),
        ("518s", 518 * 2048),
        ("1024g", 1024 * GIB),
        ("4482.6 MiB", round(4482.6 * MIB)),
        ("  531m", 531 * MIB),
        ("79.8g", round(79.8 * GIB)),
        ("23098.0 MiB", 23098 * MIB),
        ("2048", 2048),
        ("10.0t", 10 * 1024**4),
    ],
)
def test_parse_size(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("bad", ["", "   ", "abc", "m", "12x", "-5", "1.2.3", "5 5m", "4489 mm"])
def test_parse_size_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_size(bad)


def test_short_address_folds_only_the_home_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    from app.media.view import short_address

    monkeypatch.setenv("HOME", "/home/op")
    assert short_address("stdio:/home/op/.local/share/x.iso") == "stdio:~/.local/share/x.iso"
    assert short_address("/home/op/disc.iso") == "~/disc.iso"
    assert short_address("stdio:/home/operator/x.iso") == "stdio:/home/operator/x.iso"
    assert short_address("/dev/sr0") == "/dev/sr0"


# --------------------------------------------------------------------------- pasted by people

PARSERS = (parse_toc, parse_media_summary, parse_devices, parse_formats)


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_a_transcript_pasted_with_indentation_parses_the_same(name: str) -> None:
    """Forum posts and manuals indent xorriso's output (4 spaces, a tab, a quote block)."""
    text = fixture_text(name)
    for indent in ("    ", "\t", "  \t "):
        pasted = "\n".join(indent + line for line in text.splitlines())
        for parser in PARSERS:
            assert parser(pasted) == parser(text), (parser.__name__, repr(indent))


def test_a_posters_trailing_full_stop_keeps_the_toc() -> None:
    """`Media nwa : 369968s.` (a sentence's full stop) once discarded the whole TOC."""
    text = fixture_text("rec-toc-1session.txt")
    assert "Media nwa    : 128s\n" in text
    pasted = text.replace("Media nwa    : 128s\n", "Media nwa    : 128s.\n")
    assert parse_toc(pasted) == TOCS["rec-toc-1session.txt"]
    poster = text.replace("Media nwa    : 128s\n", "Media nwa : 369968s.\n")
    assert parse_toc(poster).media.nwa == 369968
    assert parse_toc(poster).sessions == TOCS["rec-toc-1session.txt"].sessions


JUNK = [".", " (see above)", "s??", "\u00a0…", " 12x", ": : :"]


@pytest.mark.parametrize("name", [n for n in ALL_FIXTURES if TOCS.get(n, toc()).sessions])
def test_one_mangled_line_never_loses_the_rest(name: str) -> None:
    """Each line in turn gets junk appended or is cut in half: every parser still answers,
    and every session row that was not touched is still there."""
    lines = fixture_text(name).splitlines()
    expected = TOCS[name].sessions
    for n, line in enumerate(lines):
        for mangled in [line + junk for junk in JUNK] + [line[: len(line) // 2]]:
            text = "\n".join([*lines[:n], mangled, *lines[n + 1 :]])
            for parser in PARSERS:
                parser(text)  # never raises
            got = parse_toc(text).sessions
            untouched = [s for s in expected if f": {s.index:>3} ," not in line]
            assert all(s in got for s in untouched), (n, mangled)
