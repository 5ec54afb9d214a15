"""The App's image flows: write an image file to the open drive, compare the medium with one.

The checks (is it an image, does it match its published checksum, does the medium take
it) run in a worker before the question; the question shows what the image is and what
is lost; the same Plan then runs on the job screen, with the compare after it.
"""

from __future__ import annotations

import os

from textual import work

from app.config import state_dir
from app.drives.listing import DriveEntry
from app.engine.errors import EngineError
from app.engine.inspect import read_medium
from app.engine.preflight import forecast_size, preflight_burn
from app.iso.image_facts import ImageError, check_image_file
from app.jobs import plans
from app.jobs.copy import temp_image_path
from app.jobs.image_checks import ImageCheck, check_image_write
from app.jobs.new_image import fresh_image_problem, planning_address
from app.jobs.read_checks import check_read_target
from app.tui.messages import DrivesFound
from app.tui.screens.choice_screen import ChoiceScreen
from app.tui.screens.confirm_screen import ConfirmScreen
from app.tui.screens.prompt_screen import PromptScreen


def _image_problem(value: str) -> str | None:
    try:
        check_image_file(os.path.expanduser(value))
    except ImageError as exc:
        return str(exc)
    return None


def _new_image_problem(value: str) -> str | None:
    path = os.path.expanduser(value)
    if not value.strip() or os.path.isdir(path):
        return "give a file name for the image, e.g. ~/disc.iso"
    return None


class ImageFlows:
    """Mixed into DiscdeckApp, beside OperationFlows (it uses its drive and plan helpers)."""

    last_image: str | None = None

    def _ask_image(self, title: str, then) -> None:
        folder = os.path.dirname(self.last_image or "") or os.path.expanduser("~")
        prompt = PromptScreen(
            title, "Image file (tab completes):", self.last_image or folder + "/",
            validate=_image_problem, paths_from=folder,
        )  # fmt: skip

        def chosen(value: str | None) -> None:
            if value:
                self.last_image = os.path.abspath(os.path.expanduser(value))
                then(self.last_image)

        self.push_screen(prompt, chosen)

    def action_write_image(self) -> None:
        drive = self._need_drive()
        if drive is not None:
            self._ask_image("Write an image", lambda image: self._check_image(drive, image))

    def action_verify_image(self) -> None:
        drive = self._need_drive()
        if drive is None:
            return

        def verify(image: str) -> None:
            self._simple(lambda target: plans.verify_image_plan(target, image))

        self._ask_image("Compare with an image", verify)

    def action_read_image(self) -> None:
        drive = self._need_drive()
        if drive is None:
            return
        sessions = self.report.toc.sessions if self.report else []
        name = (sessions[0].volume_id if sessions else "") or "disc"
        default = os.path.join(os.path.expanduser("~"), f"{name}.iso")
        prompt = PromptScreen(
            "Read the medium to an image",
            "Image file to write (run again on the same file to retry what is missing):",
            default, validate=_new_image_problem, paths_from=os.path.dirname(default),
        )  # fmt: skip

        def chosen(value: str | None) -> None:
            if value:
                self.check_read(drive, os.path.abspath(os.path.expanduser(value)))

        self.push_screen(prompt, chosen)

    @work(thread=True, exclusive=True, group="preflight")
    def check_read(self, drive: DriveEntry, image: str) -> None:
        try:
            problems = check_read_target(image, read_medium(drive.address))
        except EngineError as exc:
            problems = [str(exc)]
        self.call_from_thread(self._confirm_read, drive, image, problems)

    def _confirm_read(self, drive: DriveEntry, image: str, problems: list[str]) -> None:
        if problems:
            self.push_screen(ConfirmScreen("Cannot read", problems, notice=True))
            return
        plan = self._plan_or_say(lambda: plans.read_plan(self.target(drive), image))
        if plan is not None:
            self.run_confirmed(plan)

    def action_save_image(self) -> None:
        """The stage as a new image file anywhere, with MD5 tags; an image there is replaced
        only after a question, any other file never."""
        if self.stage.is_empty():
            self.notify("The stage is empty: add files first", severity="warning")
            return
        default = os.path.join(os.path.expanduser("~"), f"{self.stage.volume_id}.iso")
        prompt = PromptScreen(
            "Save the stage as an image", "New image file:", default,
            validate=_new_image_problem, paths_from=os.path.dirname(default),
        )  # fmt: skip

        def chosen(value: str | None) -> None:
            if value:
                self._save_image_to(os.path.abspath(os.path.expanduser(value)))

        self.push_screen(prompt, chosen)

    def _save_image_to(self, path: str) -> None:
        address = f"stdio:{path}"
        if fresh_image_problem(address, replace=False) is None:
            self.plan_new_image(address, False)
            return
        problem = fresh_image_problem(address, replace=True)
        if problem:
            self.push_screen(ConfirmScreen("Cannot save there", [problem], notice=True))
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.plan_new_image(address, True)

        lines = [f"{path} exists and holds an image.", "Replace it with the stage?"]
        self.push_screen(ConfirmScreen("Replace it?", lines, yes_label="Replace", danger=True), answer)

    @work(thread=True, exclusive=True, group="preflight")
    def plan_new_image(self, address: str, replace: bool) -> None:
        entries, options = self.stage.map_entries(), self.stage.options
        planning = planning_address(address) if replace else address
        try:
            problems = preflight_burn(planning, entries, options)
            forecast = None if problems else forecast_size(planning, entries, options)
        except EngineError as exc:
            problems, forecast = [str(exc)], None
        self.call_from_thread(self._confirm_new_image, address, replace, problems, forecast)

    def _confirm_new_image(self, address: str, replace: bool, problems: list[str], forecast) -> None:
        if problems:
            self.push_screen(ConfirmScreen("Cannot save the image", problems, notice=True))
            return
        target = plans.Target(address, "a new image file")
        plan = self._plan_or_say(
            lambda: plans.burn_plan(
                target, self.stage.map_entries(), self.stage.options,
                files=self.stage.total_files(),
                image_sectors=forecast.image_sectors if forecast else None,
                warnings=forecast.warnings if forecast else (), new_image=replace,
            )
        )
        if plan is not None:
            self.run_confirmed(plan)

    def on_drives_found(self, message: DrivesFound) -> None:
        """The main screen's drive list (its message bubbles up): copy offers these."""
        self.drive_entries = list(message.entries)

    def action_copy(self) -> None:
        source = self._need_drive()
        if source is None:
            return
        others = [e for e in getattr(self, "drive_entries", []) if e.address != source.address and not e.problem]
        choices = [(source.address, f"{source.title} — this drive: eject, then insert a blank")]
        choices += [(e.address, f"{e.title} ({e.detail})") for e in others]

        def chosen(address: str | None) -> None:
            if address:
                dest = next((e for e in [source, *others] if e.address == address), source)
                self._confirm_copy(source, dest)

        self.push_screen(ChoiceScreen("Copy to which drive?", choices), chosen)

    def _confirm_copy(self, source: DriveEntry, dest: DriveEntry) -> None:
        temp = temp_image_path(state_dir())
        plan = self._plan_or_say(
            lambda: plans.copy_plan(
                self.target(source), plans.Target(dest.address, dest.title), self.stage.options, temp
            )
        )
        if plan is not None:
            self.run_confirmed(plan)

    def _check_image(self, drive: DriveEntry, image: str) -> None:
        self.notify("Checking the image and the medium…", timeout=3)
        self.check_image(drive, image)

    @work(thread=True, exclusive=True, group="preflight")
    def check_image(self, drive: DriveEntry, image: str) -> None:
        check = check_image_write(drive.address, image)
        self.call_from_thread(self._confirm_image, drive, image, check)

    def _confirm_image(self, drive: DriveEntry, image: str, check: ImageCheck) -> None:
        if check.problems:
            lines = [*check.problems, "", "Nothing was written."]
            self.push_screen(ConfirmScreen("Cannot write the image", lines, notice=True))
            return
        options = self.stage.options  # speed, close, verify and simulate as set with o
        plan = self._plan_or_say(
            lambda: plans.write_image_plan(
                self.target(drive), image, options, check.facts, check.notes
            )
        )
        if plan is not None:
            self.run_confirmed(plan)
