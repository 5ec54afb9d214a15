"""The headless commands on an ssh:// drive, through a private sshd on 127.0.0.1
(tests/sshd.py): info, burn, blank (asks first) and `discdeck hosts`."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.cli.test_cli import discdeck
from tests.conftest import make_image
from tests.engine.test_operations import rr_tree
from tests.engine.test_remote import pytestmark, remote, sshd  # noqa: F401  (fixtures)
from tests.sshd import Sshd


def test_info_burn_and_hosts_on_a_remote_drive(remote: Sshd, tmp_path: Path) -> None:  # noqa: F811
    image = tmp_path / "there" / "disc one.iso"
    make_image(image, sessions=["FIRST"])
    address = f"{remote.url}/stdio:{image}"
    info = discdeck("info", "--dev", address, "--json")
    assert info.returncode == 0, info.stderr
    document = json.loads(info.stdout)
    assert document["drive"]["address"] == address
    assert [s["volume_id"] for s in document["sessions"]] == ["FIRST"]
    (tmp_path / "new.txt").write_text("new\n")
    burn = discdeck("burn", "--dev", address, "--json", f"{tmp_path / 'new.txt'}=/new.txt")
    result = json.loads(burn.stdout.splitlines()[-1])
    assert burn.returncode == 0 and result["result"] == "ok", burn.stdout + burn.stderr
    assert result["medium"] == "appendable, 2 session(s)"
    assert b"/new.txt" in rr_tree(image) and b"/d1/s1.bin" in rr_tree(image)
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "discdeck"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(f'[[hosts]]\nname = "loop"\naddress = "{remote.url}"\n')
    hosts = discdeck("hosts", "--json")
    assert hosts.returncode == 0, hosts.stderr
    assert json.loads(hosts.stdout) == [
        {"name": "loop", "address": remote.url, "error": None, "drives": []}
    ]


def test_remote_blank_asks_first(remote: Sshd, tmp_path: Path) -> None:  # noqa: F811
    image = tmp_path / "disc.iso"
    make_image(image, sessions=["KEEP"])
    before = image.read_bytes()
    refused = discdeck("blank", "--dev", f"{remote.url}/stdio:{image}")
    assert refused.returncode == 1 and "add --yes" in refused.stderr
    assert image.read_bytes() == before
    done = discdeck("blank", "--dev", f"{remote.url}/stdio:{image}", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "medium now: blank" in done.stdout


def test_write_an_image_to_a_remote_drive_then_verify_there(remote: Sshd, tmp_path: Path) -> None:  # noqa: F811
    """The image is streamed to the blank target there (its hostile name never reaches the
    remote shell); the verify hashes the medium there and compares digests."""
    image = make_image(tmp_path / "-x; $(touch PWNED) 'a b'.iso", sessions=["IMG"])
    other = make_image(tmp_path / "other.iso", sessions=["OTHER"], seed=5)
    target = tmp_path / "there" / "written.iso"
    target.parent.mkdir()
    address = f"{remote.url}/stdio:{target}"
    done = discdeck("write", "--dev", address, "--json", str(image))
    result = json.loads(done.stdout.splitlines()[-1])
    assert done.returncode == 0 and result["result"] == "ok", done.stdout + done.stderr
    assert "SHA-256 compared there" in result["message"]
    assert target.read_bytes()[: image.stat().st_size] == image.read_bytes()
    assert not list(tmp_path.rglob("PWNED"))
    differs = discdeck("verify", "--dev", address, str(other))
    assert differs.returncode == 1 and "differs from the image" in differs.stdout
