"""Bring the local stack up and down: Kafka (KRaft), Apicurio Registry, Elasticsearch."""

import socket
import time
from dataclasses import dataclass
from pathlib import Path

from borderlink import logs

from . import process
from .java import find_java_home
from .servers import Elasticsearch, Kafka, Registry, Server
from .settings import StackSettings

log = logs.get("stack")


class StackError(RuntimeError):
    pass


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass(frozen=True)
class ServerStatus:
    name: str
    pid: int | None
    healthy: bool
    log_file: Path


class Stack:
    def __init__(self, settings: StackSettings | None = None) -> None:
        self.settings = settings or StackSettings()
        s = self.settings
        self.servers: list[Server] = [Kafka(s), Registry(s), Elasticsearch(s)]

    def _pid_file(self, server: Server) -> Path:
        return self.settings.run / server.name / "pid"

    def _log_file(self, server: Server) -> Path:
        return self.settings.logs / f"{server.name}.log"

    def up(self) -> float:
        """Start what is not running and wait until all are healthy; returns seconds taken."""
        started = time.monotonic()
        java_home = find_java_home(self.settings.java_home)
        pending: list[Server] = []
        for server in self.servers:
            if process.running_pid(self._pid_file(server)) is not None:
                log.info("already running", server=server.name)
            elif busy := [port for port in server.ports() if port_in_use(port)]:
                raise StackError(
                    f"{server.name}: port {busy[0]} is in use by a process this stack did not "
                    f"start (another stack, e.g. a second checkout?); stop it or set "
                    f"BORDERLINK_STACK_*_PORT"
                )
            else:
                launch = server.prepare(java_home)
                pid = process.start(launch)
                log.info("started", server=server.name, pid=pid, log=str(launch.log_file))
            pending.append(server)
        deadline = time.monotonic() + self.settings.start_timeout_s
        while pending:
            for server in list(pending):
                if server.healthy():
                    log.info(
                        "healthy", server=server.name, seconds=round(time.monotonic() - started, 1)
                    )
                    pending.remove(server)
                elif process.running_pid(self._pid_file(server)) is None:
                    raise StackError(
                        f"{server.name} exited during start-up; last lines of "
                        f"{self._log_file(server)}:\n{self.tail(server.name, 30)}"
                    )
            if pending and time.monotonic() > deadline:
                names = ", ".join(s.name for s in pending)
                raise StackError(
                    f"not healthy after {self.settings.start_timeout_s}s: {names}; "
                    f"see {self.settings.logs}"
                )
            time.sleep(0.5)
        return time.monotonic() - started

    def down(self) -> list[str]:
        """Stop the servers this stack started (by pid file), in reverse order."""
        stopped = []
        for server in reversed(self.servers):
            if process.stop(self._pid_file(server)):
                log.info("stopped", server=server.name)
                stopped.append(server.name)
        return stopped

    def status(self) -> list[ServerStatus]:
        return [
            ServerStatus(
                name=server.name,
                pid=(pid := process.running_pid(self._pid_file(server))),
                healthy=pid is not None and server.healthy(),
                log_file=self._log_file(server),
            )
            for server in self.servers
        ]

    def tail(self, name: str, lines: int = 50) -> str:
        path = self.settings.logs / f"{name}.log"
        if not path.exists():
            return f"(no log yet at {path})"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
