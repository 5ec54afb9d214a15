"""The command palette (ctrl+p) knows every action of discdeck, not only Textual's own."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

APP_COMMANDS: list[tuple[str, str, str]] = [
    ("Add files to the stage", "app.stage", "the next session's files"),
    ("Burn the stage", "app.burn", "write the stage as a new session (asks first)"),
    ("Checkread", "app.check", "MD5 of every file against its tag"),
    ("Blank the medium", "app.blank", "asks first and says what is lost"),
    ("Format the medium", "app.format", "asks first"),
    ("Eject", "app.eject", "open the tray"),
    ("Surface scan", "app.surface", "which blocks read well, slowly or not at all"),
    ("Write an image", "app.write_image", "an .iso or .img file as it is, then compare"),
    ("Compare with an image", "app.verify_image", "the medium against an image file"),
    ("Read the medium to an image", "app.read_image", "rescuing what a damaged disc gives"),
    ("Save the stage as an image", "app.save_image", "a new .iso file with MD5 tags"),
    ("Copy the medium", "app.copy", "to another drive, or to a blank in this one"),
    ("Burn copies in a row", "app.burn_copies", "N copies of the stage: burn, verify, eject, again"),
    ("Open the drive's job", "app.open_job", "the running (or last) job of the selected drive"),
    ("Jobs", "app.jobs", "every job of this session: switch between their screens"),
    ("Insert a new blank", "app.new_blank", "a virtual recorder: its medium goes on the shelf"),
    ("Plan a disc set", "app.plan_set", "the stage across several media, a manifest on each"),
    ("Disc sets", "app.sets", "saved sets: discs burned, burn the next one (S)"),
    ("Catalog", "app.catalog", "which disc holds a file; each disc's health history"),
    ("Save the stage as a project", "app.save_project", "ctrl+s"),
    ("Open a saved project", "app.open_project", "ctrl+o"),
    ("Keys", "app.help", "the key map"),
    ("Quit", "app.quit", "a running burn goes on in the background"),
]
"""(title, action, help): actions the app runs from any screen."""

MAIN_COMMANDS: list[tuple[str, str, str]] = [
    ("Inspect a session", "browse", "the files of a session, extract, boot catalog"),
    ("Journal", "journal", "past operations and what xorriso said"),
    ("Jukebox slots", "slots", "a media changer's slots: load a medium, unload it"),
    ("Re-read the medium", "reread", "the medium's state and TOC again"),
    ("Look for drives again", "rescan", "the drive list"),
    ("Export the catalog", "export_catalog", "to a .csv or .json file you name"),
    ("Import the disc into the catalog", "import_medium", "the files of the disc in the open drive"),
    ("Health history of the disc", "history", "its checks and read-speed curve"),
]
"""Actions of the main and catalog screens, offered while one that has it is current."""


class DiscdeckCommands(Provider):
    def _commands(self) -> list[tuple[str, str, str]]:
        screen = self.screen  # the screen the palette was opened from
        main = [
            (title, f"screen.{action}", text)
            for title, action, text in MAIN_COMMANDS
            if hasattr(screen, f"action_{action}")
        ]
        return [*APP_COMMANDS, *main]

    async def discover(self) -> Hits:
        for title, action, text in self._commands():
            yield DiscoveryHit(title, partial(self.app.run_action, action), help=text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(title), partial(self.app.run_action, action),
                    help=text,
                )  # fmt: skip
