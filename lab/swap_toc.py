"""In the lab guest: swap the medium of a recorder (the host takes its LUN offline, gives
it a fresh blank backing store, and puts it online) and time how long discdeck takes to
see the new blank medium — TEST UNIT READY, then the TOC read (app/jobs/copies.blank_in,
what copies in a row wait with), polled every 0.25 s — and whether the kernel sent a
medium change uevent (app/drives/monitor.py). Prints one JSON object.

    python lab/swap_toc.py /dev/sr0 1        # device, LUN
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from app.drives.monitor import DriveMonitor
from app.engine.inspect import read_medium
from app.jobs.copies import blank_in

POLL = 0.25
LIMIT = 60.0


def ask_host(line: str) -> str:
    """lab_host's protocol (lab/host.py): a request file, then wait for the answer."""
    folder = Path(os.environ["LAB_DIR"]) / "host"
    name = str(time.time_ns())
    (folder / f"{name}.tmp").write_text(line)
    (folder / f"{name}.tmp").rename(folder / f"{name}.req")
    done = folder / f"{name}.done"
    while not done.exists():
        time.sleep(0.05)
    return done.read_text()


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return None


def main(device: str, lun: str) -> int:
    events: list[tuple[float, str]] = []
    t0 = time.monotonic()
    monitor = DriveMonitor(lambda e: events.append((round(time.monotonic() - t0, 2), e.action)))
    monitor.start()
    before = read_medium(device).toc.media
    asked = time.monotonic()
    answer = ask_host(f"swap {lun}")
    online = time.monotonic()
    seen = read_s = None
    while time.monotonic() - online < LIMIT:
        t_ask = time.monotonic()
        if blank_in(device):
            seen = time.monotonic()
            read_s = seen - t_ask  # the last look: TEST UNIT READY and the TOC read
            break
        time.sleep(POLL)
    after = read_medium(device).toc.media
    poll = Path(f"/sys/block/{os.path.basename(device)}/events_poll_msecs")
    print(json.dumps({
        "before": f"{before.profile}, {before.status}",
        "after": f"{after.profile}, {after.status}",
        "host": answer.splitlines()[0],
        "swap_s": round(online - asked, 2),
        "swap_to_toc_s": None if seen is None else round(seen - online, 2),
        "toc_read_s": None if read_s is None else round(read_s, 2),
        "uevents": [(round(t - (online - t0), 2), a) for t, a in events],
        "monitor_source": monitor.source,
        "events_poll_msecs": poll.read_text().strip() if poll.exists() else None,
        "events_dfl_poll_msecs": _read("/sys/module/block/parameters/events_dfl_poll_msecs"),
        "events": _read(f"/sys/block/{os.path.basename(device)}/events"),
    }))  # fmt: skip
    monitor.stop()
    return 0 if seen is not None else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
