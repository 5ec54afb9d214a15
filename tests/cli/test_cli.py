"""The command line: `info`, `burn`, `check` against real stdio: images, and bad input.

Bad input must end in one line `discdeck: reason` and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main as cli
from tests.conftest import make_garbage_image, xorriso_run

REPO = Path(__file__).resolve().parents[2]


def discdeck(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run discdeck as a user would: a separate process, its real exit status."""
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=180,
        check=False,
    )


def three_sessions_by_hand(tmp_path: Path) -> Path:
    """Exactly the issue's recipe: `xorriso -dev stdio:IMG -map DIR /dN -commit`, three times."""
    image = tmp_path / "three.iso"
    for n in (1, 2, 3):
        folder = tmp_path / f"dir{n}"
        folder.mkdir()
        (folder / f"file{n}.bin").write_bytes(os.urandom(50_000 * n))
        xorriso_run(
            "-dev",
            f"stdio:{image}",
            "-volid",
            f"VOL_S{n}",
            "-map",
            str(folder),
            f"/d{n}",
            "-commit",
        )
    return image


def plain_toc(image: Path) -> str:
    proc = subprocess.run(
        ["xorriso", "-no_rc", "-outdev", f"stdio:{image}", "-toc"],
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout


def test_info_json_matches_xorriso_toc_field_by_field(tmp_path: Path) -> None:
    image = three_sessions_by_hand(tmp_path)
    proc = discdeck("info", "--dev", f"stdio:{image}", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert set(doc) == {"drive", "media", "sessions"}
    toc = plain_toc(image)
    rows = re.findall(r"^ISO session\s*:\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)s\s*,\s*(\S*)", toc, re.M)
    assert [(s["index"], s["start"], s["blocks"], s["volume_id"]) for s in doc["sessions"]] == [
        (int(i), int(start), int(size), volid) for i, start, size, volid in rows
    ]
    assert all(s["kind"] == "ISO" for s in doc["sessions"])
    readable, _writable, overall = map(
        int,
        re.search(r"Media blocks : (\d+) readable , (\d+) writable , (\d+) overall", toc).groups(),
    )
    media = doc["media"]
    assert media["readable_blocks"] == readable
    assert abs(media["overall_blocks"] - overall) < 262_144  # the host disk's free space moves
    assert media["status"] == "appendable"
    assert media["sessions_count"] == 3
    assert media["nwa"] == int(re.search(r"Media nwa\s*:\s*(\d+)s", toc).group(1))
    assert media["data_blocks"] == int(re.search(r"(\d+) data blocks", toc).group(1))
    assert doc["drive"] == {
        "address": f"stdio:{image}",
        "vendor": "YOYODYNE",
        "product": "WARP DRIVE",
        "revision": "FX01",
    }


def test_info_for_people(tmp_path: Path) -> None:
    image = three_sessions_by_hand(tmp_path)
    proc = discdeck("info", "--dev", str(image))
    assert proc.returncode == 0
    assert "appendable" in proc.stdout and "VOL_S3" in proc.stdout


def one_line_failure(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("discdeck: ")
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in lines[0]


def test_bad_addresses_say_why_in_one_line(tmp_path: Path) -> None:
    one_line_failure(discdeck("info", "--dev", f"stdio:{tmp_path / 'gone.iso'}"), "does not exist")
    one_line_failure(discdeck("info", "--dev", f"stdio:{tmp_path}"), "is a directory")
    one_line_failure(discdeck("info", "--dev", "/dev/sr97"), "no such device")
    one_line_failure(discdeck("info", "--dev", "stdio:/no/such/dir/x.iso"), "does not exist")
    one_line_failure(discdeck("--dev", f"stdio:{tmp_path}"), "is a directory")


def test_xorriso_missing_is_one_line(tmp_path: Path) -> None:
    image = make_garbage_image(tmp_path / "x.iso")
    env = {"DISCDECK_XORRISO": "xorriso-not-installed-here"}
    one_line_failure(discdeck("info", "--dev", str(image), env=env), "apt-get install xorriso")
    one_line_failure(discdeck(env=env), "apt-get install xorriso")


def test_unreadable_and_no_permission(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As root every file is readable, so access is denied by patching os.access."""
    image = make_garbage_image(tmp_path / "locked.iso")
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    assert cli.main(["info", "--dev", f"stdio:{image}"]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert cli.main(["info", "--dev", f"mmc:{image}"]) == 1
    err = capsys.readouterr().err
    assert "no read/write permission" in err and "usermod -aG" in err


def test_garbage_image_answers_with_a_note(tmp_path: Path) -> None:
    image = make_garbage_image(tmp_path / "junk.bin")
    proc = discdeck("info", "--dev", f"stdio:{image}", "--json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["sessions"][0]["kind"] == "Other"
    assert "no ISO 9660" in proc.stderr and "Traceback" not in proc.stderr


def test_burn_and_check_json(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "a b.txt").write_text("hello")
    (source / "data.bin").write_bytes(os.urandom(300_000))
    image = tmp_path / "disc.iso"
    proc = discdeck(
        "burn", "--dev", f"stdio:{image}", "--volid", "CLI", "--json", f"{source}=/backup"
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    events, final = lines[:-1], lines[-1]
    keys = {
        "phase",
        "percent",
        "sectors",
        "total_sectors",
        "fifo",
        "buffer",
        "speed",
        "speed_unit",
        "eta_s",
    }
    assert events and all(set(e) == keys for e in events)
    assert {"preparing", "verifying", "done"} <= {e["phase"] for e in events}
    assert final["result"] == "ok" and final["mismatches"] == []
    listing = xorriso_run(
        "-indev", f"stdio:{image}", "-find", "/backup", "-type", "f"
    ).stdout.decode()
    assert "/backup/a b.txt" in listing
    check = discdeck("check", "--dev", f"stdio:{image}", "--json")
    assert check.returncode == 0
    assert json.loads(check.stdout.splitlines()[-1])["result"] == "ok"


def test_check_mismatch_exits_non_zero_and_names_the_file(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "victim.bin").write_bytes(os.urandom(400_000))
    image = tmp_path / "disc.iso"
    assert discdeck("burn", "--dev", f"stdio:{image}", "--no-verify", str(source)).returncode == 0
    lines = xorriso_run(
        "-indev", f"stdio:{image}", "-find", "/src/victim.bin", "-exec", "report_lba"
    )
    lba = int(re.search(r"File data lba:\s*\d+\s*,\s*(\d+)", lines.stdout.decode()).group(1))
    with image.open("r+b") as handle:
        handle.seek((lba + 5) * 2048)
        handle.write(b"\xff" * 2048)
    proc = discdeck("check", "--dev", f"stdio:{image}")
    assert proc.returncode != 0
    assert "/src/victim.bin" in proc.stdout


def test_burn_refused_on_closed_medium_before_any_write(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "f").write_text("x")
    image = make_garbage_image(tmp_path / "closed.iso")
    before = image.read_bytes()
    proc = discdeck("burn", "--dev", f"stdio:{image}", str(source))
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert image.read_bytes() == before


def test_split_spec() -> None:
    from app.stage.specs import split_spec

    assert split_spec("/a/b") == ("/a/b", None)
    assert split_spec("/a/b=/x/y") == ("/a/b", "/x/y")
    assert split_spec("/a/eq=sign") == ("/a/eq=sign", None)
    assert split_spec("/a/eq=sign=/iso") == ("/a/eq=sign", "/iso")
