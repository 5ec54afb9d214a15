"""Pilot tests of writing an image from the app: w, the path, the question, the job."""

from __future__ import annotations

from pathlib import Path

from app.drives.virtual import create_recorder
from app.tui.app import DiscdeckApp
from app.tui.screens.confirm_screen import ConfirmScreen
from app.tui.screens.operation_screen import OperationScreen
from app.tui.screens.prompt_screen import PromptScreen
from tests.conftest import make_image, needs_xorriso
from tests.ui.pilot import answer_prompt, screen_text, settle, stage, wait_for

pytestmark = needs_xorriso


async def test_write_an_image_from_the_app_then_compare(
    tmp_path: Path, debian_images: dict[str, Path]
) -> None:
    recorder = create_recorder("virtual-dvd")
    image = debian_images["ipxe"]
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, need_report=True)
        await answer_prompt(pilot, "w", str(image))
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), seconds=60)
        text = "\n".join(app.screen.lines)
        assert "ipxe.iso" in text and "Boots:" in text and "BIOS" in text
        assert app.screen.argv and "cdrecord" in app.screen.argv
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, OperationScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.finished, seconds=120)
        assert [(r.kind, r.outcome) for r in screen.results] == [("write", "ok"), ("verify", "ok")]
    assert Path(recorder.image).read_bytes()[: image.stat().st_size] == image.read_bytes()


async def test_a_folder_is_not_an_image(tmp_path: Path) -> None:
    create_recorder("virtual-dvd")
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, need_report=True)
        await answer_prompt(pilot, "w", str(tmp_path))
        await pilot.pause(0.2)
        assert isinstance(app.screen, PromptScreen), "a folder is refused in the prompt"
        assert "is a folder" in str(app.screen.query_one("#prompt-error").render())


async def test_read_the_medium_to_an_image_from_the_app(
    tmp_path: Path, debian_images: dict[str, Path]
) -> None:
    """R, a file name, the question, the job: the image equals the medium, and the map of
    what was read is the result."""
    import shutil

    recorder = create_recorder("virtual-dvd")
    shutil.copy(debian_images["ipxe"], recorder.image)
    target = tmp_path / "copy.iso"
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, need_report=True)
        await answer_prompt(pilot, "R", str(target))
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), seconds=60)
        assert "Read every block" in "\n".join(app.screen.lines)
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, OperationScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.finished, seconds=120)
        assert [(r.kind, r.outcome) for r in screen.results] == [("read", "ok")]
        assert screen.query("#surface-map"), "the map of what was read is shown"
    assert target.read_bytes() == Path(recorder.image).read_bytes()


async def test_save_the_stage_as_an_image_and_replace_it_only_when_asked(tmp_path: Path) -> None:
    """s on the stage: a new .iso with MD5 tags (checkread ok); an existing image is
    replaced after a question; the stage stays (it may still go to a disc)."""
    from app.tui.screens.stage_screen import StageScreen

    create_recorder("virtual-dvd")
    source = tmp_path / "photos"
    source.mkdir()
    (source / "a.jpg").write_bytes(b"jpeg" * 1000)
    out = tmp_path / "out.iso"
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, need_report=True)
        stage(app, str(source))
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, StageScreen))
        for replace in (False, True):
            await pilot.press("s")
            await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
            app.screen.query_one("#prompt-input").value = str(out)
            await pilot.press("enter")
            if replace:
                await wait_for(pilot, lambda: getattr(app.screen, "title_text", "") == "Replace it?")
                await pilot.press("y")
            await wait_for(
                pilot, lambda: getattr(app.screen, "title_text", "") == "Burn this session?"
            )
            await pilot.press("y")
            await wait_for(pilot, lambda: isinstance(app.screen, OperationScreen))
            screen = app.screen
            await wait_for(pilot, lambda screen=screen: screen.finished, seconds=120)
            assert [(r.kind, r.outcome) for r in screen.results] == [("burn", "ok"), ("check", "ok")]
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, StageScreen))
        assert not app.stage.is_empty(), "saving an image keeps the stage"
    from tests.conftest import xorriso_run

    toc = xorriso_run("-indev", f"stdio:{out}", "-toc").stdout.decode()
    assert "1 session" in toc, "replaced, not appended to"


async def test_copy_from_one_virtual_recorder_to_another(tmp_path: Path, debian_images) -> None:
    """C on the main screen: the other drives are offered; the copy reads, writes, compares."""
    import shutil

    from app.tui.screens.choice_screen import ChoiceScreen

    source = create_recorder("virtual-dvd")
    shutil.copy(debian_images["ipxe"], source.image)
    dest = create_recorder("dvd-b")
    app = DiscdeckApp(address=source.address)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, need_report=True)
        await wait_for(pilot, lambda: len(getattr(app, "drive_entries", [])) >= 2)
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        choice = app.screen
        options = choice.query_one("OptionList")
        index = next(
            i for i in range(options.option_count) if options.get_option_at_index(i).id == dest.address
        )
        options.highlighted = index
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "temporary image" in "\n".join(app.screen.lines)
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, OperationScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.finished, seconds=120)
        assert [(r.kind, r.outcome) for r in screen.results] == [("copy", "ok")], screen.results
    size = Path(source.image).stat().st_size
    assert Path(dest.image).read_bytes()[:size] == Path(source.image).read_bytes()


async def test_a_read_onto_a_file_that_is_no_image_is_a_notice_with_one_button(tmp_path: Path) -> None:
    """R onto an existing PDF: "Cannot read" said why with OK *and* No buttons under
    "y yes · n no", though it asked nothing."""
    recorder = create_recorder("virtual-dvd")
    make_image(Path(recorder.image), ["VOL_S1"], seed=3)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + bytes(4000))
    app = DiscdeckApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, need_report=True)
        await answer_prompt(pilot, "R", str(pdf))
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), seconds=60)
        await settle(pilot)
        assert "choose another name" in " ".join(app.screen.lines)
        text = screen_text(app)
        assert "Cannot read" in text
        assert "enter or esc closes" in text and "y yes" not in text, text
        assert [b.label.plain for b in app.screen.query("Button")] == ["OK"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
    assert pdf.read_bytes().startswith(b"%PDF"), "the file is left as it was"
