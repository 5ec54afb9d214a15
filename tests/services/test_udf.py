"""UDF: named from its descriptors (checked against udfinfo), the UDF tree of bridge images
listed and extracted through pycdlib, and mkudffs run as a format job. Images are made by
other tools: mkudffs (UDF only) and genisoimage -udf (a bridge disc)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from app.engine.inspect import read_medium
from app.engine.models import Media
from app.iso.udf import UdfError, name_filesystem, read_udf, udf_words
from app.iso.udf_view import UdfView
from app.jobs.plans import Target, format_plan
from app.jobs.plans_udf import needs_format_first, udf_format_plan
from app.jobs.start import start_job
from app.media.udf_format import check_label, media_type, mkudffs_argv, next_step
from tests.conftest import needs_xorriso


def tool(name: str) -> str:
    found = shutil.which(name) or f"/usr/sbin/{name}"
    if not os.access(found, os.X_OK):
        pytest.skip(f"{name} not installed (scripts/install.sh --test installs it)")
    return found


def udfinfo(path: Path) -> dict[str, str]:
    """The independent reader: udftools' udfinfo, key=value lines."""
    out = subprocess.run([tool("udfinfo"), str(path)], capture_output=True, text=True, check=True)
    return dict(
        line.split("=", 1) for line in out.stdout.splitlines() if "=" in line and "," not in line
    )


def mkudffs(path: Path, label: str, *extra: str, size: str = "20M") -> Path:
    with path.open("wb") as f:
        f.truncate(int(size.rstrip("M")) << 20)
    subprocess.run([tool("mkudffs"), "--media-type=hd", f"--label={label}", "--blocksize=2048",
                    *extra, str(path)], check=True, capture_output=True)  # fmt: skip
    return path


def bridge(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_bytes(b"hello\n")
    (src / "sub" / "b.bin").write_bytes(bytes(range(256)) * 40)
    image = tmp_path / "bridge.iso"
    subprocess.run([tool("genisoimage"), "-quiet", "-udf", "-R", "-V", "BRIDGE", "-o", str(image),
                    str(src)], check=True)  # fmt: skip
    return image


@pytest.mark.parametrize("revision", ["1.02", "1.50", "2.00", "2.01"])  # mkudffs: hd up to 2.01
def test_udf_facts_agree_with_udfinfo(tmp_path: Path, revision: str) -> None:
    image = mkudffs(tmp_path / "u.img", "Ferien 2026", f"--udfrev={revision}")
    facts = read_udf(str(image))
    info = udfinfo(image)
    assert facts is not None
    assert (facts.label, facts.revision, facts.block_size) == (info["label"], info["udfrev"], 2048)
    assert facts.revision == revision
    assert 0 < facts.partition_blocks <= int(info["blocks"])
    assert facts.words().startswith(f"UDF {revision}, label Ferien 2026, ")


def test_bridge_disc_facts_and_no_udf_on_plain_files(tmp_path: Path) -> None:
    image = bridge(tmp_path)
    facts = read_udf(str(image))
    assert facts is not None and facts.label == udfinfo(image)["label"] == "BRIDGE"
    text = tmp_path / "notes.txt"
    text.write_text("not a disc\n" * 100)
    assert read_udf(str(text)) is None and udf_words(str(text)) is None


def test_bridge_tree_listed_and_read_through_pycdlib(tmp_path: Path) -> None:
    with UdfView(str(bridge(tmp_path))) as view:
        top = view.list("/")
        assert sorted((e.name, e.is_dir) for e in top) == [("a.txt", False), ("sub", True)]
        assert all(e.name_source == "udf" and e.mtime is not None for e in top)
        assert [e.iso_path for e in view.walk()] == ["/a.txt", "/sub", "/sub/b.bin"]
        entry = view.stat("/sub/b.bin")
        assert entry.size == 10240
        with view.open_file(entry) as f:
            assert f.read() == bytes(range(256)) * 40
        with pytest.raises(FileNotFoundError):
            view.stat("/missing")


def test_bridge_tree_extracts(tmp_path: Path) -> None:
    from app.iso.extract import Extraction

    out = tmp_path / "out"
    out.mkdir()
    with UdfView(str(bridge(tmp_path))) as view:
        run = Extraction(view, "/", str(out))
        for _ in run:
            pass
    assert (out / "a.txt").read_bytes() == b"hello\n"
    assert (out / "sub" / "b.bin").read_bytes() == bytes(range(256)) * 40


def test_udf_only_image_is_refused_by_pycdlib_but_named(tmp_path: Path) -> None:
    image = mkudffs(tmp_path / "u.img", "ONLY")
    from app.iso.entry import IsoFormatError

    with pytest.raises(IsoFormatError, match="PVD"):
        UdfView(str(image))
    assert (udf_words(str(image)) or "").startswith("UDF 2.01, label ONLY, ")


@needs_xorriso
def test_read_medium_path_names_udf_instead_of_no_iso(tmp_path: Path) -> None:
    image = mkudffs(tmp_path / "u.img", "PANEL")
    report = read_medium(f"stdio:{image}")
    assert any("no ISO 9660" in p for p in report.problems)
    name_filesystem(report)
    assert report.filesystem is not None and "label PANEL" in report.filesystem
    assert not any("no ISO 9660" in p for p in report.problems)


def test_corrupt_main_anchor_falls_back_to_the_last_one(tmp_path: Path) -> None:
    image = mkudffs(tmp_path / "u.img", "BACKUP")
    with image.open("r+b") as f:
        f.seek(256 * 2048 + 4)
        f.write(b"\x00")  # the tag checksum
    facts = read_udf(str(image))
    assert facts is not None and facts.label == "BACKUP"


def test_all_anchors_corrupt_is_no_udf(tmp_path: Path) -> None:
    image = mkudffs(tmp_path / "u.img", "GONE")
    blocks = image.stat().st_size // 2048
    with image.open("r+b") as f:
        for sector in (256, blocks - 1, blocks - 257):
            f.seek(sector * 2048)
            f.write(bytes(16))
    assert read_udf(str(image)) is None


def test_image_cut_short_and_descriptors_damaged_say_so(tmp_path: Path) -> None:
    image = mkudffs(tmp_path / "u.img", "CUT")
    with image.open("r+b") as f:  # the main sequence (sector 96..) zeroed: no LVD
        f.seek(96 * 2048)
        f.write(bytes(16 * 2048))
        f.truncate(257 * 2048)  # cut just after the anchor: no backup anchors either
    with pytest.raises(UdfError, match="no valid logical volume descriptor"):
        read_udf(str(image))
    assert udf_words(str(image)).startswith("UDF, damaged: ")  # type: ignore[union-attr]
    with image.open("r+b") as f:  # the anchor (its tag still valid) points past the end
        f.seek(256 * 2048 + 20)
        f.write((5000).to_bytes(4, "little"))
    with pytest.raises(UdfError, match="past the end"):
        read_udf(str(image))


def test_label_checks() -> None:
    assert check_label("A" * 30) == "A" * 30
    with pytest.raises(ValueError, match="31 characters; UDF holds 30"):
        check_label("A" * 31)
    with pytest.raises(ValueError, match="UDF holds 15 when one is beyond Latin-1"):
        check_label("日本" * 8)
    with pytest.raises(ValueError, match="control character"):
        check_label("a\nb")
    with pytest.raises(ValueError, match="empty"):
        check_label("")


def test_media_types() -> None:
    assert media_type(None, image=True) == "hd"
    assert media_type("DVD-RW restricted overwrite", image=False) == "dvdrw"
    assert media_type("DVD+RW", image=False) == "dvdrw"
    assert media_type("DVD-RAM", image=False) == "dvdram"
    assert media_type("BD-RE", image=False) == "dvdram"
    assert media_type("CD-RW", image=False) == "cdrw"
    with pytest.raises(ValueError, match="cannot be formatted for UDF"):
        media_type("DVD-R sequential recording", image=False)
    argv = mkudffs_argv("/x.img", None, "L")
    assert argv[1:] == ["--utf8", "--media-type=hd", "--label=L", "--blocksize=2048", "/x.img"]


@needs_xorriso
def test_format_job_on_a_new_and_an_existing_image(tmp_path: Path) -> None:
    tool("mkudffs")
    image = tmp_path / "floppy.img"
    for label in ("FIRST", "Zweite Ausgabe"):
        plan = udf_format_plan(Target(f"stdio:{image}"), label)
        assert plan.kind == "udf" and "Everything on the medium is lost." in plan.confirm.lines
        assert plan.confirm.danger
        job = start_job(plan)
        phases = [p.phase for p in job.events()]
        assert phases[-1] == "done"
        assert job.result is not None and job.result.outcome == "ok", job.result
        assert "mount -t udf" in job.result.message
        info = udfinfo(image)
        assert (info["label"], info["blocksize"], info["udfrev"]) == (label, "2048", "2.01")


PLAN_CASES = (
    ("DVD-RAM", "appendable"), ("DVD-RAM", "blank"), ("BD-RE", "appendable"), ("BD-RE", "blank"),
    ("DVD+RW", "appendable"), ("DVD+RW", "blank"), ("DVD-RW restricted overwrite", "blank"),
    ("DVD-RW sequential recording", "appendable"), ("CD-RW", "appendable"),
    ("DVD-R sequential recording", "blank"), ("BD-R sequential recording", "blank"),
)  # fmt: skip


def plan_transcript() -> str:
    """Each medium's decision in words: what format --udf does on /dev/sr0, or why not."""
    out = []
    for profile, status in PLAN_CASES:
        for pktcdvd in (True, False) if profile.startswith(("DVD-RW", "CD-RW")) else (True,):
            target = Target("/dev/sr0", "sr0", Media(profile=profile, status=status))  # type: ignore[arg-type]
            out.append(f"## {profile}, {status}" + ("" if pktcdvd else ", kernel without pktcdvd"))
            first = needs_format_first(target)
            try:
                plan = udf_format_plan(target, "MY DISC", formatted_first=first, pktcdvd=pktcdvd)
            except ValueError as exc:
                out.append(f"refused: {exc}")
                continue
            if first:
                out.append(f"first:   {shlex.join(format_plan(target, 'as_needed').argv[-4:])}")
            out.append(f"argv:    {shlex.join(['mkudffs', *plan.argv[1:]])}")
            out += [f"confirm: {line}" for line in plan.confirm.lines]
            out.append(f"then:    {next_step('/dev/sr0', plan.params['media_type'])}")
    return "\n".join(out) + "\n"


def test_plans_for_real_media_match_the_transcript() -> None:
    """tests/fixtures/udf-format-plans.txt is the reviewed decision for every medium
    (UDF_FORMAT_PLANS_UPDATE=1 rewrites it; read the diff)."""
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "udf-format-plans.txt"
    text = plan_transcript()
    if os.environ.get("UDF_FORMAT_PLANS_UPDATE"):
        fixture.write_text(text)
    assert text == fixture.read_text()


def test_plans_for_real_media() -> None:
    def target(profile: str, status: str = "appendable") -> Target:
        return Target("/dev/sr0", "sr0", Media(profile=profile, status=status))  # type: ignore[arg-type]

    plan = udf_format_plan(target("DVD+RW"), "BACKUP")
    assert plan.argv[1:] == (
        "--utf8", "--media-type=dvdrw", "--label=BACKUP", "--blocksize=2048", "/dev/sr0",
    )  # fmt: skip
    bd = udf_format_plan(target("BD-RE"), "B").argv
    assert bd[2:4] == ("--media-type=dvdram", "--packetlen=32")
    with pytest.raises(ValueError, match="must be formatted first: Format → as needed"):
        udf_format_plan(target("DVD+RW", "blank"), "X")
    assert needs_format_first(target("BD-RE", "blank"))
    assert not needs_format_first(target("BD-RE")) and not needs_format_first(target("CD-RW"))
    first = udf_format_plan(target("DVD-RAM", "blank"), "X", formatted_first=True)
    assert any("xorriso -format" in line for line in first.confirm.lines)
    for profile in ("DVD-RW sequential recording", "DVD-RW restricted overwrite", "CD-RW"):
        with pytest.raises(ValueError, match="pktsetup"):
            udf_format_plan(target(profile), "X", pktcdvd=True)
        with pytest.raises(ValueError, match="this kernel does not have: format a DVD\\+RW"):
            udf_format_plan(target(profile), "X", pktcdvd=False)
    with pytest.raises(ValueError, match="cannot be formatted for UDF"):
        udf_format_plan(target("DVD-R sequential recording"), "X")


@pytest.mark.parametrize("profile", ["DVD-RAM", "BD-RE", "DVD+RW"])
def test_real_media_argv_is_one_mkudffs_takes(tmp_path: Path, profile: str) -> None:
    """The drive's argv run on a file of the medium's sectors (the device path swapped, a
    block count added): mkudffs takes every option, udfinfo reads label and block size."""
    image = tmp_path / "medium.img"
    target = Target("/dev/sr0", "sr0", Media(profile=profile, status="appendable"))
    argv = list(udf_format_plan(target, "Média 1").argv)
    argv[argv.index("/dev/sr0")] = str(image)
    subprocess.run([tool("mkudffs"), *argv[1:], "40000"], check=True, capture_output=True)
    info = udfinfo(image)
    assert (info["label"], info["blocksize"], info["udfrev"]) == ("Média 1", "2048", "2.01")
