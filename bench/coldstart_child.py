"""Child of the cold-start bench: start discdeck headless, print READY once the TOC is read.

The parent times from spawning this process to the READY line. HOME and XDG_* come from
the parent (a private folder), so the default virtual recorder lives there.
"""

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.tui.app import DiscdeckApp


async def main() -> None:
    app = DiscdeckApp()
    async with app.run_test():
        deadline = time.monotonic() + 30
        # The main screen holds the medium as read (the app learns it one message later).
        while getattr(app.screen, "report", None) is None:
            if time.monotonic() > deadline:
                print("TIMEOUT waiting for the TOC read", flush=True)
                return
            await asyncio.sleep(0.005)
        print(f"READY {app.screen.report.toc.media.status}", flush=True)


asyncio.run(main())
