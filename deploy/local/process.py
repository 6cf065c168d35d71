"""Start and stop server processes by pid file, never touching processes we did not start."""

import contextlib
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


def _start_time(pid: int) -> str | None:
    # Field 22 of /proc/<pid>/stat: start time since boot; with the pid it names one process.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


@dataclass(frozen=True)
class Launch:
    name: str
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    log_file: Path
    pid_file: Path
    user: str | None = None  # run as this user (we are root and the server refuses root)


def running_pid(pid_file: Path) -> int | None:
    """The pid recorded in ``pid_file`` if that very process is still alive."""
    try:
        record = json.loads(pid_file.read_text())
    except (OSError, ValueError):
        return None
    pid = int(record["pid"])
    return pid if _start_time(pid) == record["start_time"] else None


def start(launch: Launch) -> int:
    launch.log_file.parent.mkdir(parents=True, exist_ok=True)
    launch.pid_file.parent.mkdir(parents=True, exist_ok=True)
    argv = launch.argv
    if launch.user:
        argv = [
            "setpriv",
            f"--reuid={launch.user}",
            f"--regid={launch.user}",
            "--init-groups",
            "--",
            *argv,
        ]
    with launch.log_file.open("ab") as log:
        proc = subprocess.Popen(
            argv,
            cwd=launch.cwd,
            env={**os.environ, **launch.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    start_time = None
    while start_time is None and proc.poll() is None:
        start_time = _start_time(proc.pid)
    launch.pid_file.write_text(json.dumps({"pid": proc.pid, "start_time": start_time}))
    return proc.pid


def stop(pid_file: Path, timeout_s: float = 30.0) -> bool:
    """SIGTERM the process group we started, SIGKILL it after ``timeout_s``."""
    pid = running_pid(pid_file)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    # start_new_session made the server its own group leader: the group holds its children too.
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and _group_alive(pid):
        time.sleep(0.2)
    if _group_alive(pid):
        os.killpg(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    # A zombie we spawned still counts until reaped.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pgid, os.WNOHANG)
    return any(
        _pgid(p) == pgid and _state(p) != "Z" for p in Path("/proc").iterdir() if p.name.isdigit()
    )


def _pgid(proc: Path) -> int | None:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[2])
    except (OSError, ValueError, IndexError):
        return None


def _state(proc: Path) -> str:
    try:
        return (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "?"
