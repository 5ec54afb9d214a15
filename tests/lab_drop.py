"""In the lab (tests/lab_remote.py runs it on the host, as a child with the ssh setup in its
environment): burn to the guest's recorder over ssh, kill the local ssh client of the
follower once the drive is writing (the link drops), then let this discdeck go away and
re-attach to the run as the next one would. Prints one JSON document of what happened.

    python -m tests.lab_drop ssh://root@127.0.0.1:PORT/dev/sr3 SOURCE_FOLDER
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from app.engine.commands import BurnOptions, MapEntry
from app.engine.remote_run import RemoteProcess
from app.jobs.plans import Target, burn_plan
from app.jobs.reattach import attach, orphaned_operations
from app.jobs.start import start_job


def main(address: str, source: str) -> dict:
    # TAO at once: the RESERVE TRACK refusal and retry are the other step's; this saves a round.
    options = BurnOptions(volume_id="LAB_DROP", close=True, write_type="tao", pacifier_interval=0.5)
    job = start_job(burn_plan(Target(address), [MapEntry(source, "/" + Path(source).name)], options))
    killed, reconnected = None, False
    for progress in job.events():
        process = job._process  # the running step's process: the TAO retry's, by now
        if killed is None and progress.phase == "writing" and isinstance(process, RemoteProcess):
            killed = process.follower.pid
            os.kill(killed, signal.SIGKILL)  # the local ssh client of the follower
        elif killed is not None and progress.phase == "writing":
            reconnected = True  # gauges again after the drop: the follower came back
            job.stop_reading()  # this discdeck goes away; the burn goes on there
    orphans = orphaned_operations()
    done: dict = {"killed": killed, "reconnected": reconnected, "left": job.result is None}
    done["orphans"] = [run.address for run in orphans]
    if orphans:
        again = attach(orphans[0])
        list(again.events())
        result = again.result
        done["result"] = {
            "outcome": result.outcome, "message": result.message,
            "written_sectors": result.written_sectors,
            "journal": Path(result.journal).read_text(errors="replace") if result.journal else "",
        }  # fmt: skip
    elif job.result is not None:
        done["result"] = {"outcome": job.result.outcome, "message": job.result.message}
    done["orphans_after"] = [run.address for run in orphaned_operations()]
    return done


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2]), indent=1))
