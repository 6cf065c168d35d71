"""Run the pipeline's workers (``borderlink worker``, ``borderlink sink``) as processes."""

import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path


class Workers:
    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def check_alive(self) -> None:
        """Raise with the log's tail if a worker has exited: never wait on a dead pipeline."""
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                tail = (self.logs / f"{name}.log").read_text(errors="replace").splitlines()[-15:]
                raise RuntimeError(f"{name} exited (code {proc.returncode}):\n" + "\n".join(tail))

    def log_file(self, name: str) -> Path:
        return self.logs / f"{name}.log"


@contextmanager
def running(logs: Path, names: tuple[str, ...] = ("worker", "sink")) -> Iterator[Workers]:
    """Start each named ``borderlink`` sub-command; stop them (SIGTERM) on exit."""
    workers = Workers(logs)
    logs.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        for name in names:
            with workers.log_file(name).open("ab") as log:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "borderlink", name], stdout=log, stderr=subprocess.STDOUT
                )
            workers.procs[name] = proc
            stack.callback(_stop, proc)
        yield workers


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
