"""Projects: ctrl+s saves the stage by name, ctrl+o opens it, vanished files are marked."""

from __future__ import annotations

from pathlib import Path

from app.stage.projects import list_projects, load_project
from app.tui.app import DiscdeckApp
from tests.ui.pilot import settle, wait_for


async def test_save_and_open_a_project_with_a_vanished_file(tmp_path: Path) -> None:
    keep, gone = tmp_path / "keep.txt", tmp_path / "gone.txt"
    keep.write_text("stays")
    gone.write_text("will vanish")
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.stage.add(str(keep), "/docs")
        app.stage.add(str(gone), "/docs")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
        for _ in range(10):
            await pilot.press("backspace")
        await pilot.press(*"holiday", "enter")
        await wait_for(pilot, lambda: list_projects() == ["holiday"])
        app.stage.clear()
        gone.unlink()
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ChoiceScreen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not app.stage.is_empty())
        nodes = {path: node for path, node in app.stage.walk()}
        assert not nodes["/docs/keep.txt"].missing
        assert nodes["/docs/gone.txt"].missing
    assert [iso for _d, iso in load_project("holiday").entries()] == [
        "/docs/gone.txt",
        "/docs/keep.txt",
    ]
