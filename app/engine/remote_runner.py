"""xorriso on another machine, attached: inspections (TOC, devices) and short jobs.

The same packet stream as a local child (`-pkt_output on`) comes back over ssh's stdout, so
the parsers and XorrisoProcess's reading are the same; only the spawn differs. Long jobs
(burn, blank, check) run detached there instead: app/engine/remote_run.py.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Sequence

from app.engine.errors import XorrisoTimeout
from app.engine.remote_address import RemoteAddress
from app.engine.runner import INSPECT_TIMEOUT, RunResult, XorrisoProcess, base_argv, wait_within
from app.engine.ssh import SshError, remote_xorriso_argv, ssh_argv, ssh_failure


class RemoteXorrisoProcess(XorrisoProcess):
    """xorriso run on `remote` under ssh; `argv` is the Plan's (base flags included)."""

    def __init__(self, remote: RemoteAddress, argv: Sequence[str]) -> None:
        self.remote = remote
        # No check_xorriso(): the local xorriso is not the one that runs.
        self.argv = list(argv)
        self.started = time.monotonic()
        self.lines, self.events, self._stderr = [], [], []
        self.worst, self.cancelled = "ALL", False
        self._spawn()

    def _spawn(self) -> None:
        self.proc = subprocess.Popen(
            ssh_argv(self.remote, ["exec", *remote_xorriso_argv(self.argv)]),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip
        self._stderr_thread = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr_thread.start()

    def cancel(self) -> None:
        """Closing ssh ends the remote command (its output pipe breaks); no signal crosses
        ssh without a terminal."""
        self.cancelled = True
        if self.proc.poll() is None:
            self.proc.terminate()

    def kill(self) -> None:
        self.cancel()


def check_ssh(remote: RemoteAddress, result: RunResult) -> None:
    """Raise SshError when ssh itself failed (or the remote lacks xorriso)."""
    stderr = [line.text for line in result.lines if line.channel == "E"]
    failure = ssh_failure(remote, result.returncode, stderr)
    if failure:
        raise SshError(failure)


def run_remote(
    remote: RemoteAddress, commands: Sequence[str], *, timeout: float = INSPECT_TIMEOUT
) -> RunResult:
    """runner.run's twin: a short inspection on `remote`, stopped after `timeout` seconds."""
    result = wait_within(RemoteXorrisoProcess(remote, [*base_argv(), *commands]), timeout)
    if result.cancelled:
        raise XorrisoTimeout(
            f"xorriso on {remote.host} did not answer within {timeout:.0f} s "
            "(is the link or the drive hung? try again)"
        )
    check_ssh(remote, result)
    return result
