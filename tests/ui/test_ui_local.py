"""Pilot tests of the stage's local browser (widgets/local_pane.py, widgets/local_browser.py):
where it starts, the keys that move it, the path prompt, places, marks, the filter, and the
folders it cannot show — on real files, in the real app."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.drives.virtual import create_recorder
from app.stage import local_files
from app.tui.app import DiscdeckApp
from tests.ui.pilot import screen_text, settle
from widgets.local_browser import LocalBrowser
from widgets.local_pane import LocalPane

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder with a few entries, hostile names among them; HOME points at it."""
    home = tmp_path / "home"
    (home / "photos" / "summer").mkdir(parents=True)
    (home / "photos" / "a.raw").write_bytes(b"r" * 3000)
    (home / "projects").mkdir()
    (home / "notes.txt").write_text("burn me\n")
    (home / "new\nline.txt").write_text("two\nlines\n")
    os.close(os.open(os.fsencode(home) + b"/bad\xff.bin", os.O_WRONLY | os.O_CREAT, 0o644))
    (home / ".hidden").write_text("")
    monkeypatch.setenv("HOME", str(home))
    create_recorder("virtual-dvd")
    return home


class Said:
    """The app's notifications, recorded (each must be one line)."""

    def __init__(self, app: DiscdeckApp) -> None:
        self.lines: list[str] = []
        self._notify = app.notify
        app.notify = self  # type: ignore[method-assign]

    def __call__(self, message: str, **kw: object) -> None:
        assert "\n" not in message, repr(message)
        self.lines.append(message)
        self._notify(message, **kw)

    def __contains__(self, words: str) -> bool:
        return any(words in line for line in self.lines)


async def open_stage(pilot) -> tuple[LocalPane, LocalBrowser]:
    await settle(pilot)
    await pilot.press("a")
    await settle(pilot)
    pane = pilot.app.screen.query_one(LocalPane)
    return pane, pane.browser


def names(browser: LocalBrowser) -> list[str]:
    return [entry.name for entry in browser.shown]


async def test_starts_at_home_then_where_it_was_last(home: Path) -> None:
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        _pane, browser = await open_stage(pilot)
        assert browser.folder == str(home)
        assert names(browser) == [
            "photos",
            "projects",
            "bad\udcff.bin",
            "new\nline.txt",
            "notes.txt",
        ]
        text = screen_text(app)
        assert "bad\\xff.bin" in text and "new\\nline.txt" in text  # shown safely, one line each
        await pilot.press("enter")  # into photos
        await settle(pilot)
        assert browser.folder == str(home / "photos")
        assert "~/photos" in screen_text(app)
    again = DiscdeckApp()
    async with again.run_test(size=(80, 24)) as pilot:
        _pane, browser = await open_stage(pilot)
        assert browser.folder == str(home / "photos")
        assert "a.raw" in screen_text(again) and "2.9K" in screen_text(again)


async def test_parent_home_and_reread(home: Path) -> None:
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        _pane, browser = await open_stage(pilot)
        await pilot.press("backspace")
        await settle(pilot)
        assert browser.folder == str(home.parent)
        assert browser.highlighted.name == "home"  # the folder we came from
        await pilot.press("left")
        await settle(pilot)
        assert browser.folder == str(home.parent.parent)
        await pilot.press("tilde")
        await settle(pilot)
        assert browser.folder == str(home)
        (home / "arrived.txt").write_text("new")
        await pilot.press("r")
        await settle(pilot)
        assert "arrived.txt" in names(browser)
        await pilot.press("full_stop")
        await settle(pilot)
        assert ".hidden" in names(browser)


async def test_path_prompt_completes_and_refuses(home: Path) -> None:
    app = DiscdeckApp()
    said = Said(app)
    async with app.run_test(size=(80, 24)) as pilot:
        pane, browser = await open_stage(pilot)
        goto = pane.query_one("#local-goto")
        await pilot.press("slash")
        assert goto.has_focus and goto.value == "/"
        await pilot.press(*str(home)[1:], "/", "p", "h")
        await pilot.pause(0.2)
        await pilot.press("tab")  # the only match
        await pilot.pause(0.2)
        assert goto.value == f"{home}/photos/"
        await pilot.press("enter")
        await settle(pilot)
        assert browser.folder == str(home / "photos") and browser.has_focus
        assert not goto.display
        await pilot.press("g")  # prefilled with where we are
        assert goto.value == f"{home}/photos/"
        await pilot.press(*"nope", "enter")
        await settle(pilot)
        assert "photos/nope does not exist" in said
        assert goto.display and browser.folder == str(home / "photos")  # nothing changed
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert not goto.display and browser.has_focus
        await pilot.press("g", "ctrl+u", *"~/pro", "tab", "enter")
        await settle(pilot)
        assert browser.folder == str(home / "projects")
        await pilot.press("slash", *"etc/hostname", "enter")
        await settle(pilot)
        assert "/etc/hostname is not a folder" in said
        assert browser.folder == str(home / "projects")


async def test_keys_typed_at_once_after_slash_reach_the_prompt(home: Path) -> None:
    """A terminal delivers `/us` in one read: the prompt must have focus before `u` is
    handed on (the bindings that open it are priority bindings for that)."""
    from textual import events

    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        pane, browser = await open_stage(pilot)
        for key, char in (("slash", "/"), ("u", "u"), ("s", "s")):
            app._driver.send_message(events.Key(key, char))  # as a terminal driver does
        await pilot.pause(0.3)
        assert pane.query_one("#local-goto").value == "/us"
        await pilot.press("escape", "escape")
        for key, char in (("f", "f"), ("n", "n"), ("o", "o")):
            app._driver.send_message(events.Key(key, char))
        await pilot.pause(0.3)
        assert names(browser) == ["notes.txt"]
        assert type(app.screen).__name__ == "StageScreen"  # `n` did not make a folder


async def test_places_lists_what_exists(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    media = tmp_path / "media"
    (media / "usb").mkdir(parents=True)
    monkeypatch.setattr(local_files, "PLACES", (str(media), str(tmp_path / "no-mnt")))
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        pane, browser = await open_stage(pilot)
        await pilot.press("enter", "a")  # into photos, add "summer": a folder used
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause(0.1)
        places = pane.query_one("#local-places")
        assert places.has_focus and not browser.display
        ids = [places.get_option_at_index(i).id for i in range(places.option_count)]
        assert ids == [str(home), str(media), str(home / "photos")]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert browser.folder == str(media) and browser.display and browser.has_focus
        await pilot.press("p", "escape")
        await pilot.pause(0.1)
        assert browser.folder == str(media) and browser.has_focus


async def test_marks_add_every_marked_entry_byte_exact(home: Path) -> None:
    app = DiscdeckApp()
    said = Said(app)
    async with app.run_test(size=(80, 24)) as pilot:
        pane, browser = await open_stage(pilot)
        await pilot.press("down", "down", "space", "space")  # bad\xff.bin, new\nline.txt
        assert pane.border_subtitle.startswith("2 marked")
        await pilot.press("home", "enter")  # into photos: marks span folders
        await settle(pilot)
        await pilot.press("down", "space", "backspace")  # a.raw
        await settle(pilot)
        assert pane.border_subtitle.startswith("3 marked")
        await pilot.press("a")
        await settle(pilot)
        staged = sorted(os.fsencode(disk) for disk, _iso in app.stage.entries())
        names = (b"/bad\xff.bin", b"/new\nline.txt", b"/photos/a.raw")
        assert staged == sorted(os.fsencode(home) + name for name in names)
        assert browser.marked == {} and not pane.border_subtitle[0].isdigit()
        assert "staged 3 entries in /" in said
        await pilot.press("a")  # no marks: the highlighted entry, photos (we came from it)
        await settle(pilot)
        assert "/photos" in {iso for _d, iso in app.stage.entries()}
        await pilot.press("a")  # again: said why, nothing lost
        await settle(pilot)
        assert "/photos is already on the stage" in said
        assert len(app.stage.entries()) == 4


async def test_filter_narrows_and_esc_clears(home: Path) -> None:
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        _pane, browser = await open_stage(pilot)
        await pilot.press("f", *"NOT")
        await pilot.pause(0.1)
        assert names(browser) == ["notes.txt"]
        await pilot.press("backspace", "backspace", "backspace", *"\\xff")
        assert names(browser) == ["bad\udcff.bin"]  # matched as it is shown
        await pilot.press(*"zz")
        assert names(browser) == [] and "nothing here matches" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert len(names(browser)) == 5 and browser.has_focus
        await pilot.press("f", *"o", "enter")  # enter keeps the filter, back to the list
        assert browser.has_focus and names(browser) == ["photos", "projects", "notes.txt"]
        await pilot.press("down", "a")  # a adds, not types
        await settle(pilot)
        assert [iso for _d, iso in app.stage.entries()] == ["/projects"]
        await pilot.press("escape")
        assert browser.filter_text == "" and type(app.screen).__name__ == "StageScreen"
        await pilot.press("escape")
        assert type(app.screen).__name__ == "MainScreen"


async def test_vanished_folder_and_loop_say_why(home: Path, tmp_path: Path) -> None:
    (home / "loop").symlink_to("loop")
    app = DiscdeckApp()
    said = Said(app)
    async with app.run_test(size=(80, 24)) as pilot:
        _pane, browser = await open_stage(pilot)
        shutil.rmtree(home / "photos")  # while it is listed
        await pilot.press("enter")
        await settle(pilot)
        assert "photos does not exist" in said and browser.folder == str(home)
        await pilot.press("slash", *str(home / "loop")[1:], "enter")
        await settle(pilot)
        assert "loop is a symlink loop" in said and browser.folder == str(home)
        await pilot.press("escape", "r")
        await settle(pilot)
        assert "photos" not in names(browser) and "loop" in names(browser)


UNREADABLE = """
import asyncio, json, sys
from textual.app import App
from widgets.local_pane import LocalPane
from tests.ui.pilot import settle

class Harness(App):
    def compose(self):
        yield LocalPane(sys.argv[1])

async def main():
    app = Harness()
    said = []
    app.notify = lambda message, **kw: said.append(message)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        browser = app.query_one(LocalPane).browser
        before = [e.name for e in browser.shown]
        await pilot.press("enter")  # into "locked"
        await settle(pilot)
        print(json.dumps({"said": said, "folder": browser.folder, "before": before,
                          "after": [e.name for e in browser.shown]}))

asyncio.run(main())
"""


@pytest.mark.skipif(shutil.which("unshare") is None, reason="no unshare")
def test_unreadable_folder_says_permission_denied(tmp_path: Path) -> None:
    """Root reads anything; in a user namespace it loses CAP_DAC_OVERRIDE, so run the
    browser there and chmod 000 refuses for real."""
    probe = subprocess.run(["unshare", "-U", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"user namespaces refused: {probe.stderr.decode().strip()}")
    top = tmp_path / "top"
    (top / "locked").mkdir(parents=True)
    (top / "locked" / "secret").write_text("x")
    (top / "other.txt").write_text("x")
    (top / "locked").chmod(0)
    try:
        run = subprocess.run(
            ["unshare", "-U", sys.executable, "-c", UNREADABLE, str(top)],
            capture_output=True, check=False, timeout=60, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
    finally:
        (top / "locked").chmod(0o755)
    assert run.returncode == 0, run.stderr.decode()
    result = json.loads(run.stdout.decode().strip().splitlines()[-1])
    assert result["said"] == [f"{top}/locked cannot be read: permission denied"]
    assert result["folder"] == str(top) and result["after"] == result["before"]
    assert b"Traceback" not in run.stderr


def _typed(app: DiscdeckApp, text: str) -> None:
    """`text` as one unbracketed burst from the terminal: every key handed to the driver at
    once, none waiting for the one before (as a fast typist, tmux send-keys or a paste
    without bracketed paste deliver them)."""
    from textual import events
    from textual.keys import _character_to_key

    named = {"\x1b": "escape", "\x15": "ctrl+u", "\r": "enter"}
    for char in text:
        key = named.get(char) or (char if char.isalnum() else _character_to_key(char))
        app._driver.send_message(events.Key(key, None if char in named else char))


async def test_a_long_burst_right_after_a_reaches_the_path_prompt(home: Path) -> None:
    """`a` opens the stage and `/` its path prompt while the stage is still coming up; a
    long path typed in the same burst arrives whole: no key is lost or taken by the stage's
    own keys (a adds, o options, b burns)."""
    deep = home / "abcdefghij" / "klmnopqrst" / "uvwxyz0123" / "another-long-folder-name"
    deep.mkdir(parents=True)
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        _typed(app, f"a{deep}/")
        await pilot.pause(1.0)
        assert type(app.screen).__name__ == "StageScreen"
        assert app.screen.query_one("#local-goto").value == f"{deep}/"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one(LocalBrowser).folder == str(deep)
        assert app.stage.is_empty()
        _typed(app, "\x1b")  # escape: back to the main screen, then the image prompt
        await pilot.pause(0.5)
        _typed(app, f"w{home}/another-name-that-is-long.iso")  # typing replaces the default
        await pilot.pause(1.0)
        assert type(app.screen).__name__ == "PromptScreen"
        assert app.screen.query_one("#prompt-input").value == f"{home}/another-name-that-is-long.iso"


async def test_a_name_uses_the_blank_of_the_size_column_at_80x24(home: Path) -> None:
    """At 80 columns the name column is 17 wide: `caf\\xe9-latin1.txt` (18) was cut to
    `caf\\xe9-latin1.t…` beside a size of `0B`; a longer name is still cut, sizes aligned."""
    os.close(os.open(os.fsencode(home) + b"/caf\xe9-latin1.txt", os.O_WRONLY | os.O_CREAT, 0o644))
    (home / "a-rather-long-name-for-a-file.txt").write_bytes(b"x" * 300_000)
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        _pane, browser = await open_stage(pilot)
        rows = ["".join(s.text for s in browser.render_line(y)) for y in range(browser.size.height)]
        latin = next(row for row in rows if "caf\\xe9" in row)
        assert latin.startswith("  caf\\xe9-latin1.txt     0B 20"), latin
        long = next(row for row in rows if "a-rather-long" in row)
        assert long.startswith("  a-rather-long-nam… 293.0K 20"), long
        assert "caf\\xe9-latin1.txt" in screen_text(app)


@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
async def test_the_stage_footer_shows_burn_first(home: Path, size: tuple[int, int]) -> None:
    """The stage's footer ended at "o" at 80 columns: b (burn) was never on screen."""
    app = DiscdeckApp()
    async with app.run_test(size=size) as pilot:
        await open_stage(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "a Add  b Burn  o Options" in footer, footer
        if size == (80, 24):
            assert "? Keys  esc Back" in footer, footer
