"""The MMC lab: a qemu guest driving tgtd's emulated DVD+R recorders through SCSI passthrough.

One `Lab` per temp dir. `prepare()` installs the Debian packages it lacks, caches a Debian
kernel and builds the guest initramfs; `boot(script)` starts a private tgtd on 127.0.0.1 with
fresh blank DVD+R media, boots the guest, runs `script` there chrooted into the host's own
userland (read-only 9p export of `/`), and always tears everything down again.

Only the standard library is used, so `python3 -m lab` works without the project's venv.
"""

from __future__ import annotations

import contextlib
import lzma
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lab.host import HostHand, HostVerb, add_jukebox

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
IQN = "iqn.2025-01.org.discdeck:lab"
MODULES = (
    "sr_mod", "sg", "virtio_pci", "virtio_scsi", "isofs", "9pnet_virtio", "9p", "loop", "dm_mod",
    "crc_itu_t", "udf", "virtio_net",
)  # fmt: skip
"""Guest kernel modules (their dependencies come along from modules.dep); loop and dm_mod
give a medium with unreadable blocks (a device-mapper `error` segment over a loop device);
udf (with crc-itu-t) mounts what `discdeck format --udf` made, read-write; virtio_net is
the guest's one interface when its sshd is forwarded to the host (`boot(ssh_port=...)`)."""

PACKAGES: dict[str, tuple[str, ...]] = {
    "tgt": ("/usr/sbin/tgtd", "/usr/sbin/tgtadm", "/usr/sbin/tgtimg"),
    "qemu-system-x86": ("/usr/bin/qemu-system-x86_64",),
    "qemu-block-extra": ("/usr/lib/x86_64-linux-gnu/qemu/block-iscsi.so",),
    "busybox-static": ("/bin/busybox",),
    "kmod": ("/usr/sbin/depmod",),
    "cpio": ("/usr/bin/cpio",),
    "tmux": ("/usr/bin/tmux",),
    "xorriso": ("/usr/bin/xorriso",),
    "dmsetup": ("/usr/sbin/dmsetup",),
    "mount": ("/usr/sbin/losetup",),
    "mtx": ("/usr/sbin/mtx",),
    "udftools": ("/usr/sbin/mkudffs", "/usr/bin/udfinfo"),
}
"""Debian package -> files that show it is installed."""

APT_TIMEOUT = 240
BOOT_TIMEOUT = 600
Log = Callable[[str], None]


class LabUnavailable(Exception):
    """The lab cannot start here; str(exc) says why in one line."""


def _stderr_log(text: str) -> None:
    print(f"lab: {text}", file=sys.stderr, flush=True)


def default_cache() -> Path:
    if env := os.environ.get("DISCDECK_LAB_CACHE"):
        return Path(env)
    if os.geteuid() == 0:
        return Path("/var/cache/discdeck-lab")
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "discdeck-lab"


def _run(argv: list[str], *, timeout: float = 60, cwd: Path | None = None, **kw) -> str:
    """Run a host command; LabUnavailable with its last output line if it fails."""
    try:
        proc = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, cwd=cwd, check=False, **kw
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabUnavailable(f"{argv[0]} failed: {exc}") from exc
    if proc.returncode != 0:
        tail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-1:] or ["no output"]
        raise LabUnavailable(f"{shlex.join(argv[:4])} failed (rc {proc.returncode}): {tail[0]}")
    return proc.stdout


def _is_static(path: str) -> bool:
    """No ELF interpreter: runs in the initramfs without any library."""
    try:
        head = Path(path).read_bytes()[:8192]
    except OSError:
        return False
    return head.startswith(b"\x7fELF") and b"ld-linux" not in head


def missing_packages() -> list[str]:
    missing = [pkg for pkg, files in PACKAGES.items() if not all(map(os.path.exists, files))]
    if "busybox-static" not in missing and not _is_static("/bin/busybox"):
        missing.append("busybox-static")
    return missing


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class BootResult:
    returncode: int | None
    """The guest script's exit status; None when it never finished."""
    output: str
    console: str
    timings: dict[str, float] = field(default_factory=dict)
    out_dir: Path | None = None


class Lab:
    """The lab in `workdir` (created if needed; everything it writes outside the cache lives there)."""

    def __init__(
        self, workdir: Path | None = None, *, cache: Path | None = None, log: Log | None = None
    ) -> None:
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="discdeck-lab-")).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        if re.search(r"\s", str(self.workdir)):
            raise LabUnavailable(f"the lab dir {self.workdir} must not contain white space")
        self.cache = Path(cache or default_cache())
        self.log = log or _stderr_log
        self.kver: str | None = None
        self.kernel: Path | None = None
        self.initrd: Path | None = None
        self.timings: dict[str, float] = {}

    # -- preparation ------------------------------------------------------------------

    def prepare(self) -> None:
        """Packages, kernel and initramfs; LabUnavailable(reason) when the lab cannot run."""
        if os.environ.get("DISCDECK_LAB", "").lower() in ("0", "no", "off", "skip"):
            raise LabUnavailable("disabled by DISCDECK_LAB=" + os.environ["DISCDECK_LAB"])
        if sys.platform != "linux" or platform.machine() != "x86_64":
            raise LabUnavailable(f"needs Linux on x86_64, not {sys.platform}/{platform.machine()}")
        if os.geteuid() != 0:
            raise LabUnavailable("needs root (apt-get, tgtd, qemu passthrough); run as root")
        if shutil.which("apt-get") is None:
            raise LabUnavailable("needs a Debian-like host with apt-get")
        t0 = time.monotonic()
        self._ensure_packages()
        self.timings["packages"] = time.monotonic() - t0
        t0 = time.monotonic()
        self._ensure_kernel()
        self.timings["kernel"] = time.monotonic() - t0
        t0 = time.monotonic()
        self._build_initrd()
        self.timings["initrd"] = time.monotonic() - t0

    def _ensure_packages(self) -> None:
        missing = missing_packages()
        if not missing:
            return
        self.log(f"installing {' '.join(missing)} with apt-get")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing]
        try:
            _run(install, timeout=APT_TIMEOUT, env=env)
        except LabUnavailable:
            _run(["apt-get", "update", "-qq"], timeout=APT_TIMEOUT, env=env)
            _run(install, timeout=APT_TIMEOUT, env=env)
        still = missing_packages()
        if still:
            raise LabUnavailable(f"apt-get did not provide {' '.join(still)}")

    def _kernel_version(self) -> str:
        if env := os.environ.get("DISCDECK_LAB_KERNEL"):
            return env
        ready = sorted(
            (p for p in self.cache.glob("kernel-*/ready") if _has_modules(p.parent)),
            key=lambda p: p.stat().st_mtime,
        )
        if ready:  # offline-friendly and stable: the kernel we already have
            return ready[-1].parent.name.removeprefix("kernel-")
        for attempt in range(2):
            out = _run(["apt-cache", "depends", "linux-image-amd64"], timeout=60)
            found = re.findall(r"Depends:\s*linux-image-(\d\S*-amd64)", out)
            if found:
                return found[0]
            if attempt == 0:
                _run(["apt-get", "update", "-qq"], timeout=APT_TIMEOUT)
        raise LabUnavailable("apt-cache names no linux-image-*-amd64 for linux-image-amd64")

    def _ensure_kernel(self) -> None:
        kver = self._kernel_version()
        kdir = self.cache / f"kernel-{kver}"
        self.kver, self.kernel = kver, kdir / "vmlinuz"
        if (kdir / "ready").exists() and _has_modules(kdir):
            return
        self.log(f"downloading and caching linux-image-{kver} in {self.cache}")
        self.cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.cache, prefix="dl-") as tmp:
            tmpdir = Path(tmp)
            os.chmod(tmpdir, 0o755)
            pkg = f"linux-image-{kver}"
            try:
                _run(["apt-get", "download", "-qq", pkg], timeout=APT_TIMEOUT, cwd=tmpdir)
            except LabUnavailable:
                _run(["apt-get", "update", "-qq"], timeout=APT_TIMEOUT)
                _run(["apt-get", "download", "-qq", pkg], timeout=APT_TIMEOUT, cwd=tmpdir)
            deb = next(tmpdir.glob("*.deb"))
            root = tmpdir / "root"
            _run(["dpkg", "-x", str(deb), str(root)], timeout=120)
            deb.unlink()
            _run(["depmod", "-b", str(root), kver], timeout=120)
            src = root / "lib" / "modules" / kver
            order = _module_order(src / "modules.dep", MODULES)
            staging = tmpdir / "kernel"
            (staging / "modules").mkdir(parents=True)
            shutil.copy2(root / "boot" / f"vmlinuz-{kver}", staging / "vmlinuz")
            for rel in order:
                name = _module_name(rel)
                data = (src / rel).read_bytes()
                if rel.endswith(".xz"):
                    data = lzma.decompress(data)
                elif rel.endswith(".zst"):
                    data = subprocess.run(
                        ["zstd", "-dc"], input=data, capture_output=True, check=True
                    ).stdout
                (staging / "modules" / f"{name}.ko").write_bytes(data)
            (staging / "modules" / "load-order").write_text(
                "".join(_module_name(rel) + "\n" for rel in order)
            )
            (staging / "ready").write_text(kver + "\n")
            shutil.rmtree(kdir, ignore_errors=True)
            staging.rename(kdir)

    def _build_initrd(self) -> None:
        """busybox + modules + /init, packed with cpio (a few MB, a second or two)."""
        assert self.kernel is not None
        root = self.workdir / "initramfs"
        shutil.rmtree(root, ignore_errors=True)
        for d in ("bin", "dev", "proc", "sys", "tmp", "host", "lib/modules"):
            (root / d).mkdir(parents=True)
        shutil.copy2("/bin/busybox", root / "bin" / "busybox")
        applets = _run([str(root / "bin" / "busybox"), "--list"]).split()
        for applet in applets:
            link = root / "bin" / applet
            if not link.exists():
                link.symlink_to("busybox")
        (root / "sbin").symlink_to("bin")
        mods = self.kernel.parent / "modules"
        for f in mods.iterdir():
            shutil.copy2(f, root / "lib" / "modules" / f.name)
        shutil.copy2(HERE / "init", root / "init")
        os.chmod(root / "init", 0o755)
        self.initrd = self.workdir / "initrd.img"
        files = subprocess.run(["find", "."], cwd=root, capture_output=True, check=True).stdout
        with open(self.initrd, "wb") as out:
            cpio = subprocess.Popen(
                ["cpio", "-o", "-H", "newc", "--quiet"],
                cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            )  # fmt: skip
            gz = subprocess.Popen(["gzip", "-1"], stdin=cpio.stdout, stdout=out)
            assert cpio.stdin is not None and cpio.stdout is not None
            cpio.stdout.close()
            cpio.stdin.write(files)
            cpio.stdin.close()
            if cpio.wait() != 0 or gz.wait() != 0:
                raise LabUnavailable("packing the guest initramfs with cpio failed")
        shutil.rmtree(root, ignore_errors=True)

    # -- one boot ---------------------------------------------------------------------

    def boot(
        self,
        script: str,
        *,
        media: int = 1,
        changer: bool = False,
        timeout: float = BOOT_TIMEOUT,
        echo: Callable[[str], None] | None = None,
        ssh_port: int | None = None,
        host_verbs: Mapping[str, HostVerb] | None = None,
    ) -> BootResult:
        """Run the shell `script` in the guest (chrooted into the host's /) with `media`
        fresh blank DVD+R recorders (/dev/sr0, /dev/sr1, ...); tear everything down after.

        In the script, $LAB_DIR is this lab's dir (shared read-write, same path as on the
        host) and $LAB_OUT its out/ folder. `echo` receives the script's output lines live.
        With `changer`, one more (empty) DVD drive follows the recorders, and a SCSI media
        changer with 8 slots (lab/host.py) that loads it. `lab_host VERB LUN` in the script
        asks the host to swap, offline, online or delete a LUN (recorder N is LUN N), or
        to run one of `host_verbs` (called with the number, in the host's thread; the guest
        waits for its answer).
        With `ssh_port`, the guest has one network interface (qemu user networking,
        restricted: nothing goes out) whose port 22 is forwarded to 127.0.0.1:`ssh_port`
        on the host; the script starts its sshd itself.
        """
        if self.initrd is None or self.kernel is None:
            raise RuntimeError("prepare() the lab first")
        if not 1 <= media <= 4:
            raise ValueError("media: 1 to 4 recorders")
        out = self.workdir / "out"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        (self.workdir / "job.sh").write_text(_job_script(self.workdir, script))
        with _Target(self.workdir, media, self.log, changer) as target:
            t0 = time.monotonic()
            target.start()
            timings = {"target": time.monotonic() - t0}
            tray = media + 1 if changer else None
            hand = HostHand(self.workdir, target.adm, _run, empty_tray=tray, verbs=host_verbs)
            try:
                result = self._qemu(target, media, timeout, echo, timings, ssh_port)
            finally:
                hand.stop()
        result.timings = {**self.timings, **timings}
        return result

    def _qemu(
        self,
        target: _Target,
        media: int,
        timeout: float,
        echo: Callable[[str], None] | None,
        timings: dict[str, float],
        ssh_port: int | None = None,
    ) -> BootResult:
        out = self.workdir / "out"
        console_path = self.workdir / "console.log"
        # The kernel polls the drives for a medium change every 2 s, as udisks has it do on
        # a desktop: DISK_MEDIA_CHANGE uevents for the monitor without udevd in the guest.
        append = (
            f"console=ttyS0 panic=-1 loglevel=4 quiet labdir={self.workdir}"
            f" labmedia={media + target.changer} block.events_dfl_poll_msecs=2000"
        )
        # The guest mounts fresh tmpfs on /tmp and /run: a checkout there (CI clones can
        # live in /tmp) would vanish, so it is shared again read-only at its own path.
        repo_hidden = any(str(REPO).startswith(p) for p in ("/tmp/", "/run/", "/dev/shm/"))
        if repo_hidden:
            if re.search(r"\s", str(REPO)):
                raise LabUnavailable(f"the checkout {REPO} must not contain white space")
            append += f" labrepo={REPO}"
        if ssh_port is not None:
            append += " labnet=1"
        argv = [
            "qemu-system-x86_64", "-accel", "tcg", "-m", "1536", "-smp", "2",
            "-nodefaults", "-display", "none", "-monitor", "none", "-no-reboot",
            "-serial", f"file:{console_path}",
            "-kernel", str(self.kernel), "-initrd", str(self.initrd), "-append", append,
            "-device", "virtio-scsi-pci,id=scsi0",
            "-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
            "-virtfs", f"local,path={self.workdir},mount_tag=labdir,security_model=none,multidevs=remap",
        ]  # fmt: skip
        if ssh_port is None:
            argv += ["-nic", "none"]
        else:  # as in the walkthrough: the guest's sshd reached on a forwarded port
            argv += ["-nic", f"user,model=virtio-net-pci,restrict=on,"
                     f"hostfwd=tcp:127.0.0.1:{ssh_port}-:22"]  # fmt: skip
        if repo_hidden:
            argv += [
                "-virtfs",
                f"local,path={REPO},mount_tag=repodir,security_model=none,readonly=on,multidevs=remap",
            ]
        for n in range(media + 2 * target.changer):  # the jukebox: its drive, then the changer
            argv += [
                "-drive", f"file={target.url(n + 1)},if=none,id=cd{n},format=raw",
                "-device", f"scsi-generic,drive=cd{n},bus=scsi0.0,channel=0,scsi-id={n},lun=0",
            ]  # fmt: skip
        (self.workdir / "qemu.argv").write_text(shlex.join(argv) + "\n")
        t0 = time.monotonic()
        qemu_log = open(self.workdir / "qemu.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=qemu_log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        follower = _Follower(out / "job.log", echo) if echo else None
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.log(f"the guest did not finish within {timeout:.0f} s: stopping qemu")
        finally:
            _stop(proc)
            qemu_log.close()
            if follower:
                follower.stop()
        timings["qemu"] = time.monotonic() - t0
        console = console_path.read_text(errors="replace") if console_path.exists() else ""
        for key, pattern in (("boot", r"LAB-READY ([\d.]+)"), ("script", r"LAB-DONE ([\d.]+)")):
            if m := re.search(pattern, console):
                timings[key] = float(m.group(1))
        if "script" in timings and "boot" in timings:
            timings["script"] -= timings["boot"]
        rc_file = out / "job.rc"
        rc = int(rc_file.read_text().strip()) if rc_file.exists() else None
        output = (out / "job.log").read_text(errors="replace") if (out / "job.log").exists() else ""
        if rc is None:
            qemu_text = (self.workdir / "qemu.log").read_text(errors="replace").strip()
            self.log("the guest script did not finish; console tail:\n" + console[-2000:])
            if qemu_text:
                self.log("qemu said: " + qemu_text[-1000:])
        return BootResult(rc, output, console, out_dir=out)


def _module_name(rel: str) -> str:
    return Path(rel).name.split(".ko")[0]


def _has_modules(kdir: Path) -> bool:
    """A cached kernel holds every module of MODULES (a cache made before one was added
    to the list is made again)."""
    try:
        names = (kdir / "modules" / "load-order").read_text().split()
    except OSError:
        return False
    have = {name.replace("-", "_") for name in names}
    return all(name in have for name in MODULES)


def _module_order(dep_file: Path, wanted: tuple[str, ...]) -> list[str]:
    """Paths (relative) of `wanted` modules and their dependencies, dependencies first."""
    deps: dict[str, list[str]] = {}
    by_name: dict[str, str] = {}
    for line in dep_file.read_text().splitlines():
        path, _, rest = line.partition(":")
        deps[path] = rest.split()
        by_name[_module_name(path).replace("-", "_")] = path
    order: list[str] = []

    def add(path: str) -> None:
        if path in order:
            return
        for dep in deps.get(path, []):
            add(dep)
        order.append(path)

    for name in wanted:
        if name not in by_name:
            raise LabUnavailable(f"kernel module {name} not found in {dep_file}")
        add(by_name[name])
    return order


def _job_script(workdir: Path, script: str) -> str:
    """The guest runs this with the host's /bin/sh, chrooted into the host's root."""
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": "/tmp/home",
        "XDG_CONFIG_HOME": "/tmp/xdg/config",
        "XDG_DATA_HOME": "/tmp/xdg/data",
        "XDG_STATE_HOME": "/tmp/xdg/state",
        "XDG_CACHE_HOME": "/tmp/xdg/cache",
        "XDG_RUNTIME_DIR": "/tmp/xdg/runtime",
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "xterm-256color",
        "PYTHONDONTWRITEBYTECODE": "1",
        "LAB_DIR": str(workdir),
        "LAB_OUT": str(workdir / "out"),
        "LAB_REPO": str(REPO),
    }
    lines = ["#!/bin/sh", "# written by lab.py: the guest runs it chrooted into the host's /"]
    lines += [f"export {k}={shlex.quote(v)}" for k, v in env.items()]
    lines += [
        'mkdir -p "$HOME" /tmp/xdg/config /tmp/xdg/data /tmp/xdg/state /tmp/xdg/cache',
        "mkdir -m 700 -p /tmp/xdg/runtime",
        LAB_HOST_FUNCTION,
        'i=0; while [ ! -e "$LAB_DIR/host/ready" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done',
        f"cd {shlex.quote(str(REPO))}",
        script,
    ]
    return "\n".join(lines) + "\n"


LAB_HOST_FUNCTION = r"""lab_host() {  # lab_host VERB LUN: the host swaps/offlines/deletes a LUN (lab/host.py)
    req="$LAB_DIR/host/$(date +%s%N)"
    echo "$*" > "$req.tmp" && mv "$req.tmp" "$req.req"
    i=0  # LAB_HOST_TICKS: how many 0.05 s naps to wait (a host verb may run long)
    while [ ! -e "$req.done" ] && [ $i -lt "${LAB_HOST_TICKS:-1200}" ]; do sleep 0.05; i=$((i + 1)); done
    cat "$req.done" 2>/dev/null
    grep -q '^rc=0$' "$req.done" 2>/dev/null
}"""


def _stop(proc: subprocess.Popen) -> None:
    """Stop a child we started (by its pid): SIGTERM, then SIGKILL."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait(timeout=10)


class _Follower:
    """Echo lines appended to a file (the guest writes it through 9p) while the guest runs."""

    def __init__(self, path: Path, echo: Callable[[str], None]) -> None:
        self.path, self.echo = path, echo
        self._stop = threading.Event()
        self._pos = 0
        self._partial = ""
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        try:
            with open(self.path, errors="replace") as f:
                f.seek(self._pos)
                chunk = f.read()
                self._pos = f.tell()
        except OSError:
            return
        text = self._partial + chunk
        *lines, self._partial = text.split("\n")
        for line in lines:
            self.echo(line)

    def _loop(self) -> None:
        while not self._stop.wait(0.3):
            self._poll()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._poll()
        if self._partial:
            self.echo(self._partial)


class _Target:
    """A private tgtd on 127.0.0.1 (own iSCSI port, own control port) with blank DVD+R LUNs."""

    def __init__(self, workdir: Path, media: int, log: Log, changer: bool = False) -> None:
        self.workdir, self.media, self.log, self.changer = workdir, media, log, changer
        self.port = 0
        self.control: int | None = None
        self.proc: subprocess.Popen | None = None
        self._made_run_dir = False

    def url(self, lun: int) -> str:
        return f"iscsi://127.0.0.1:{self.port}/{IQN}/{lun}"

    def adm(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """tgtadm on this target's tgtd (lab/host.py's hand uses it while the guest runs)."""
        return self._adm(*args, check=check)

    def _adm(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        argv = ["tgtadm", "-C", str(self.control), "--lld", "iscsi", *args]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
        if check and proc.returncode != 0:
            raise LabUnavailable(f"{shlex.join(argv)} failed: {proc.stderr.strip()}")
        return proc

    def start(self) -> None:
        run_dir = Path("/var/run/tgtd")
        self._made_run_dir = not run_dir.exists()
        for _attempt in range(5):
            self.port = _free_port()
            self.control = next(
                n for n in range(4200 + os.getpid() % 500, 9000)
                if not (run_dir / f"socket.{n}").exists() and not (run_dir / f"socket.{n}.lock").exists()
            )  # fmt: skip
            log = open(self.workdir / "tgtd.log", "ab")  # noqa: SIM115
            self.proc = subprocess.Popen(
                ["tgtd", "-f", "-C", str(self.control), "--iscsi", f"portal=127.0.0.1:{self.port}"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
            log.close()
            for _ in range(100):
                if self.proc.poll() is not None:
                    break
                probe = subprocess.run(
                    ["tgtadm", "-C", str(self.control), "--mode", "sys", "--op", "show"],
                    capture_output=True, timeout=10, check=False,
                )  # fmt: skip
                if probe.returncode == 0:
                    break
                time.sleep(0.1)
            if self.proc.poll() is None:
                break
            self._forget_socket()
        else:
            tail = (self.workdir / "tgtd.log").read_text(errors="replace").strip()[-300:]
            raise LabUnavailable(f"tgtd did not start: {tail}")
        self._adm("--mode", "target", "--op", "new", "--tid", "1", "-T", IQN)
        for lun in range(1, self.media + 1):
            image = self.workdir / f"dvd{lun}.img"
            image.unlink(missing_ok=True)  # the morph to DVD-ROM is one-way: fresh every boot
            _run(["tgtimg", "--op", "new", "--device-type", "cd", "--type", "dvd+r",
                  "--file", str(image)], timeout=30)  # fmt: skip
            self._adm("--mode", "logicalunit", "--op", "new", "--tid", "1", "--lun", str(lun),
                      "-b", str(image), "--device-type=cd")  # fmt: skip
        if self.changer:
            add_jukebox(self._adm, self.workdir, self.media + 1, self.media + 2, _run)
        self._adm("--mode", "target", "--op", "bind", "--tid", "1", "-I", "ALL")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:  # tgtd ignores SIGTERM: shut it down like tgt.service
            self._adm("--mode", "target", "--op", "delete", "--force", "--tid", "1", check=False)
            subprocess.run(
                ["tgtadm", "-C", str(self.control), "--op", "delete", "--mode", "system"],
                capture_output=True, timeout=30, check=False,
            )  # fmt: skip
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.log(f"tgtd (pid {self.proc.pid}) did not stop: killing it")
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._forget_socket()
        self.proc = None

    def _forget_socket(self) -> None:
        """tgtd leaves its control socket and lock file behind: ours to remove."""
        run_dir = Path("/var/run/tgtd")
        for name in (f"socket.{self.control}", f"socket.{self.control}.lock"):
            (run_dir / name).unlink(missing_ok=True)
        if self._made_run_dir:
            with contextlib.suppress(OSError):
                run_dir.rmdir()

    def __enter__(self) -> _Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
