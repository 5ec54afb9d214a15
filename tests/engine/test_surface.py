"""Surface scan: the -check_media map parser on recorded output, and real scans of stdio:
images, with unreadable blocks injected into xorriso's reads.

How blocks are made unreadable: the device-mapper "error" target (losetup + dmsetup) is the
natural tool, but this machine has no /dev/mapper/control, and a truncated image only
shrinks what xorriso considers the medium. So an LD_PRELOAD shim (compiled here with cc)
makes xorriso's read()/pread() of one image fail with EIO in a byte range, and can slow each
read down for the cancel test. The scans also cover an MD5 mismatch (one flipped byte), a
truncated image, and max_lba past the end (blocks that are not there read as unreadable).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.engine.surface import (
    Md5Range,
    Region,
    SurfaceResult,
    classify,
    parse_surface_map,
    surface_commands,
)
from app.jobs.start import start_surface_scan
from tests.conftest import make_image, needs_xorriso

RECORDED = """\
I:1: xorriso : UPDATE : Found matching MD5 session tag: start=1536 size=1493
I:1: xorriso : UPDATE : 3200 of 3200 blocks read in 1 s = 4.7xD
R:1: Media checks :        lba ,       size , quality
R:1: Media region :          0 ,        992 , + good
R:1: Media region :        992 ,          8 , + partial
R:1: Media region :       1000 ,        100 , - unreadable
R:1: Media region :       1100 ,       2100 , + good
R:1: MD5 checks   :        lba ,       size , result
R:1: MD5 tag range:          0 ,         18 , + md5_match
R:1: MD5 tag range:         32 ,       1492 , 0 md5_mismatch
R:1: MD5 tag range:       1536 ,       1493 , + md5_match
I:1: xorriso : NOTE : Tolerated problem event of severity 'SORRY'
"""


def test_parse_recorded_map() -> None:
    surface = parse_surface_map(RECORDED)
    assert surface.total_blocks == 3200
    assert surface.regions == [
        Region(0, 992, "good", "good"),
        Region(992, 8, "slow", "partial"),
        Region(1000, 100, "unreadable", "unreadable"),
        Region(1100, 2100, "good", "good"),
    ]
    assert surface.md5_ranges[1] == Md5Range(32, 1492, False, "md5_mismatch")
    assert surface.bad_ranges() == [
        Region(32, 1492, "unreadable", "md5_mismatch"),
        Region(1000, 100, "unreadable", "unreadable"),
    ]
    assert surface.blocks_by_quality() == {
        "good": 3092,
        "slow": 8,
        "unreadable": 100,
        "untested": 0,
    }
    words = surface.summary_in_words()
    assert words.startswith(
        "3200 blocks (6.2 MiB): 3092 good (96.6%), 8 slow (0.2%), 100 unreadable"
    )
    assert "1 unreadable range, the first at block 1000 (100 blocks)" in words
    assert "MD5 mismatch in 1 of 3 checksum ranges (first: blocks 32-1523)" in words
    assert not surface.all_good


@pytest.mark.parametrize(
    ("sign", "word", "quality"),
    [("+", "good", "good"), ("+", "md5_match", "good"), ("+", "slow", "slow"),
     ("+", "partial", "slow"), ("0", "untested", "untested"), ("0", "tao_end", "untested"),
     ("0", "off_track", "untested"), ("-", "unreadable", "unreadable"),
     ("--", "md5_mismatch", "unreadable"), ("-", "invalid", "unreadable"),
     ("+", "valid", "good"), ("+", "someday_new", "good"), ("-", "new_bad", "unreadable")],
)  # fmt: skip
def test_quality_words(sign: str, word: str, quality: str) -> None:
    assert classify(sign, word) == quality


def test_empty_and_all_good() -> None:
    assert parse_surface_map("").summary_in_words() == "nothing was scanned"
    good = parse_surface_map(
        "Media region :   0 ,  50 , + good\nMD5 tag range: 0 , 18 , + md5_match"
    )
    assert good.all_good and good.bad_ranges() == []
    assert good.summary_in_words() == (
        "50 blocks (100.0 KiB): all good; MD5 matches in all 1 checksum ranges"
    )


def test_commands(tmp_path: Path) -> None:
    image = tmp_path / "x.iso"
    image.write_bytes(b"")
    commands = surface_commands(f"stdio:{image}", "/tmp/abort", max_lba=99, retry=True)
    assert commands == [
        "-md5", "on", "-outdev", f"stdio:{image}", "-check_media", "use=outdev", "what=disc",
        "abort_file=/tmp/abort", "max_lba=99", "retry=on", "--",
    ]  # fmt: skip
    image.chmod(0o444)
    if not os.access(image, os.W_OK):  # root may write anyway
        assert surface_commands(f"stdio:{image}", "/a")[2] == "-indev"


SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int is_target(int fd) {
    const char *want = getenv("FAULT_PATH");
    char link[64], path[4096];
    ssize_t n;
    if (!want) return 0;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof path - 1);
    if (n < 0) return 0;
    path[n] = 0;
    return strcmp(path, want) == 0;
}

static int faulty(int fd, off_t offset, size_t count) {
    const char *s = getenv("FAULT_BAD_START"), *e = getenv("FAULT_BAD_END");
    const char *d = getenv("FAULT_DELAY_US");
    if (!is_target(fd)) return 0;
    if (d) usleep((useconds_t)atol(d));
    if (!s || !e) return 0;
    return offset < atoll(e) && (long long)(offset + count) > atoll(s);
}

#define WRAP(name, ...) \
    static ssize_t (*real)(int, void *, size_t, ##__VA_ARGS__); \
    if (!real) real = dlsym(RTLD_NEXT, name);

ssize_t read(int fd, void *buf, size_t count) {
    WRAP("read")
    if (faulty(fd, lseek(fd, 0, SEEK_CUR), count)) { errno = EIO; return -1; }
    return real(fd, buf, count);
}
ssize_t pread(int fd, void *buf, size_t count, off_t offset) {
    WRAP("pread", off_t)
    if (faulty(fd, offset, count)) { errno = EIO; return -1; }
    return real(fd, buf, count, offset);
}
ssize_t pread64(int fd, void *buf, size_t count, off_t offset) {
    WRAP("pread64", off_t)
    if (faulty(fd, offset, count)) { errno = EIO; return -1; }
    return real(fd, buf, count, offset);
}
"""


@pytest.fixture
def fault_shim(tmp_path: Path) -> Path:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler for the read-fault shim")
    source = tmp_path / "faults.c"
    source.write_text(SHIM)
    shim = tmp_path / "faults.so"
    subprocess.run(
        [cc, "-shared", "-fPIC", "-O2", "-o", str(shim), str(source), "-ldl"], check=True
    )
    return shim


def scan(address: str, **options: object) -> SurfaceResult:
    job = start_surface_scan(address, **options)  # type: ignore[arg-type]
    progress = list(job.events())
    assert progress[0].phase == "verifying" and progress[-1].phase == "done"
    assert job.result is not None
    return job.result


@pytest.fixture
def image(tmp_path: Path) -> Path:
    return make_image(
        tmp_path / "s.iso", [("A", {"a.bin": 3_000_000}), ("B", {"b.bin": 1_000_000})]
    )


@needs_xorriso
def test_good_image(image: Path, tmp_path: Path) -> None:
    result = scan(f"stdio:{image}", journal_dir=tmp_path / "journal")
    surface = result.surface
    assert result.outcome == "ok" and surface is not None and surface.all_good
    assert surface.total_blocks == image.stat().st_size // 2048
    assert len(surface.md5_ranges) >= 2 and all(m.match for m in surface.md5_ranges)
    assert result.message == surface.summary_in_words()
    assert result.journal and "Media region" in Path(result.journal).read_text()


@needs_xorriso
def test_flipped_byte_is_an_md5_mismatch(image: Path) -> None:
    data = bytearray(image.read_bytes())
    data[100 * 2048 + 7] ^= 0xFF  # inside session 1's file data
    image.write_bytes(bytes(data))
    result = scan(str(image))
    surface = result.surface
    assert result.outcome == "ok" and surface is not None
    assert [r.word for r in surface.bad_ranges()] == ["md5_mismatch"]
    assert surface.bad_ranges()[0].start <= 100 < surface.bad_ranges()[0].end
    assert "MD5 mismatch" in result.message


@needs_xorriso
def test_truncated_image_and_blocks_past_the_end(image: Path) -> None:
    blocks = image.stat().st_size // 2048
    os.truncate(image, (blocks - 300) * 2048)  # the newest session loses its tail
    result = scan(str(image))
    assert result.outcome == "ok" and result.surface is not None
    assert not result.surface.all_good
    assert any(not m.match for m in result.surface.md5_ranges)
    result = scan(str(image), max_lba=blocks + 99)
    assert result.surface is not None
    last = result.surface.regions[-1]
    assert last.quality == "unreadable" and last.end == blocks + 100
    assert blocks - 300 <= last.start < blocks - 300 + 32  # xorriso reads 32-block chunks


@needs_xorriso
def test_unreadable_blocks_in_the_middle(
    image: Path, fault_shim: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LD_PRELOAD", str(fault_shim))
    monkeypatch.setenv("FAULT_PATH", str(image))
    monkeypatch.setenv("FAULT_BAD_START", str(1000 * 2048))
    monkeypatch.setenv("FAULT_BAD_END", str(1100 * 2048))
    result = scan(f"stdio:{image}", retry=True)  # retry: block by block around the damage
    surface = result.surface
    assert result.outcome == "ok" and surface is not None
    assert Region(1000, 100, "unreadable", "unreadable") in surface.regions
    assert surface.bad_ranges()[0].start <= 1000
    assert "unreadable" in result.message
    assert surface.regions[0].quality == "good" and surface.regions[-1].quality == "good"


@needs_xorriso
def test_cancel_keeps_a_partial_map(
    tmp_path: Path, fault_shim: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = make_image(tmp_path / "c.iso", [("C", {"c.bin": 30_000_000})])
    monkeypatch.setenv("LD_PRELOAD", str(fault_shim))
    monkeypatch.setenv("FAULT_PATH", str(image))
    monkeypatch.setenv("FAULT_DELAY_US", "20000")  # ~ 3 MB/s: a 30 MB scan takes ~10 s
    job = start_surface_scan(str(image))
    for progress in job.events():
        if progress.phase == "verifying" and progress.sectors:
            job.cancel()
    result = job.result
    assert result is not None and result.outcome == "cancelled"
    assert result.message.startswith("cancelled by the user; tested so far:")
    surface = result.surface
    assert surface is not None and surface.regions
    assert surface.blocks_by_quality()["good"] < image.stat().st_size // 2048
    assert not os.path.exists(job.abort_file)


@needs_xorriso
def test_cancel_before_start(image: Path) -> None:
    job = start_surface_scan(str(image))
    job.cancel()
    assert list(job.events()) == []
    assert job.result is not None and job.result.outcome == "cancelled"
