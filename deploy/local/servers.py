"""The three servers of the local stack: how each is prepared, launched and checked."""

import base64
import os
import pwd
import shutil
import subprocess
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from . import fetch
from .process import Launch
from .settings import StackSettings


class Server(Protocol):
    name: str

    def prepare(self, java_home: Path) -> Launch: ...

    def healthy(self) -> bool: ...

    def ports(self) -> list[int]: ...


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


_KAFKA_LOG4J = """Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: kafka.request.logger
        level: WARN
"""


# Agencies' listener: SASL/SCRAM, so each agency is its own principal (User:<agency-id>) and
# the ACLs of borderlink.acl decide what it may write and read.
AGENCY_LISTENER = "AGENCY"
SCRAM_MECHANISM = "SCRAM-SHA-512"


def server_properties(s: StackSettings, data: Path) -> str:
    """Kafka's server.properties for the local single node (broker and KRaft controller)."""
    plaintext = f"PLAINTEXT://127.0.0.1:{s.kafka_port}"
    agency = f"{AGENCY_LISTENER}://127.0.0.1:{s.kafka_agency_port}"
    scram = f"listener.name.{AGENCY_LISTENER.lower()}"
    lines = [
        "process.roles=broker,controller",
        "node.id=1",
        f"controller.quorum.bootstrap.servers=127.0.0.1:{s.kafka_controller_port}",
        f"listeners={plaintext},CONTROLLER://127.0.0.1:{s.kafka_controller_port},{agency}",
        f"advertised.listeners={plaintext},{agency}",
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map="
        f"PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,{AGENCY_LISTENER}:SASL_PLAINTEXT",
        f"{scram}.sasl.enabled.mechanisms={SCRAM_MECHANISM}",
        f"{scram}.{SCRAM_MECHANISM.lower()}.sasl.jaas.config="
        "org.apache.kafka.common.security.scram.ScramLoginModule required;",
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        # PLAINTEXT (the pipeline's services, tests, demo) and CONTROLLER (the KRaft controller
        # and this node's broker talking to it) authenticate nobody: their principal is
        # User:ANONYMOUS, a super user. Safe only because both listen on loopback; a real
        # deployment names its services (mTLS or SCRAM), see docs/access-control.md.
        "super.users=User:ANONYMOUS",
        # An agency gets exactly what its ACLs grant, nothing by default.
        "allow.everyone.if.no.acl.found=false",
        f"log.dirs={data}",
        f"num.partitions={s.kafka_partitions}",
        # Topics are provisioned explicitly (borderlink topics): a typo fails loudly.
        "auto.create.topics.enable=false",
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
    ]
    return "\n".join(lines) + "\n"


@dataclass
class Kafka:
    s: StackSettings
    name: str = "kafka"

    def prepare(self, java_home: Path) -> Launch:
        home = fetch.kafka_home(self.s)
        run = self.s.run / "kafka"
        data = run / "data"
        run.mkdir(parents=True, exist_ok=True)
        props = run / "server.properties"
        props.write_text(server_properties(self.s, data))
        (run / "log4j2.yaml").write_text(_KAFKA_LOG4J)
        java = str(java_home / "bin" / "java")
        classpath = f"{home / 'lib'}/*"
        log4j = f"-Dlog4j2.configurationFile={run / 'log4j2.yaml'}"
        if not (data / "meta.properties").exists():
            cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
            subprocess.run(
                [
                    java,
                    "-cp",
                    classpath,
                    log4j,
                    "kafka.tools.StorageTool",
                    "format",
                    "-t",
                    cid,
                    "-c",
                    str(props),
                    "--standalone",
                ],
                check=True,
                capture_output=True,
            )
        return Launch(
            name=self.name,
            argv=[
                java,
                f"-Xms{self.s.kafka_heap}",
                f"-Xmx{self.s.kafka_heap}",
                "-cp",
                classpath,
                log4j,
                "kafka.Kafka",
                str(props),
            ],
            cwd=run,
            env={},
            log_file=self.s.logs / "kafka.log",
            pid_file=run / "pid",
        )

    def ports(self) -> list[int]:
        return [self.s.kafka_port, self.s.kafka_controller_port, self.s.kafka_agency_port]

    def healthy(self) -> bool:

        try:
            AdminClient({"bootstrap.servers": self.s.kafka_bootstrap}).list_topics(timeout=2)
        except KafkaException:
            return False
        return True


@dataclass
class Registry:
    s: StackSettings
    name: str = "registry"

    def prepare(self, java_home: Path) -> Launch:
        home = fetch.registry_home(self.s)
        run = self.s.run / "registry"
        run.mkdir(parents=True, exist_ok=True)
        # File-backed H2: schema ids survive a registry restart (records on Kafka carry them).
        db = f"jdbc:h2:file:{run / 'db' / 'registry'}"
        props = {
            "quarkus.http.host": "127.0.0.1",
            "quarkus.http.port": self.s.registry_port,
            "quarkus.management.host": "127.0.0.1",
            "quarkus.management.port": self.s.registry_management_port,
            "apicurio.storage.kind": "sql",
            "apicurio.storage.sql.kind": "h2",
            "apicurio.datasource.url": db,
            "apicurio.datasource.username": "sa",
            "apicurio.datasource.password": "sa",
        }
        return Launch(
            name=self.name,
            argv=[
                str(java_home / "bin" / "java"),
                f"-Xmx{self.s.registry_heap}",
                *(f"-D{k}={v}" for k, v in props.items()),
                "-jar",
                "quarkus-run.jar",
            ],
            cwd=home,
            env={},
            log_file=self.s.logs / "registry.log",
            pid_file=run / "pid",
        )

    def ports(self) -> list[int]:
        return [self.s.registry_port, self.s.registry_management_port]

    def healthy(self) -> bool:
        return _http_ok(f"{self.s.registry_url}/subjects")


@dataclass
class Elasticsearch:
    s: StackSettings
    name: str = "elasticsearch"

    def _user(self) -> str | None:
        """Elasticsearch refuses root: when root, make and use an unprivileged system user."""
        if os.geteuid() != 0:
            return None
        user = self.s.elasticsearch_user
        try:
            pwd.getpwnam(user)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user],
                check=True,
            )
        return user

    def prepare(self, java_home: Path) -> Launch:
        home = fetch.elasticsearch_home(self.s)
        run = self.s.run / "elasticsearch"
        for sub in ("data", "logs", "tmp"):
            (run / sub).mkdir(parents=True, exist_ok=True)
        if not (run / "config").exists():
            shutil.copytree(home / "config", run / "config")
        user = self._user()
        if user:
            entry = pwd.getpwnam(user)
            for path in [run, *run.rglob("*")]:
                os.chown(path, entry.pw_uid, entry.pw_gid)
            _let_traverse(home, self.s.home)
        settings = {
            "discovery.type": "single-node",
            # Local only: loopback, no TLS/auth. A real deployment uses deploy/compose.
            "xpack.security.enabled": "false",
            "xpack.ml.enabled": "false",
            "http.host": "127.0.0.1",
            "transport.host": "127.0.0.1",
            "http.port": self.s.elasticsearch_port,
            "transport.port": self.s.elasticsearch_transport_port,
            "path.data": run / "data",
            "path.logs": run / "logs",
            # A developer disk at 90% must not turn indices read-only mid-test.
            "cluster.routing.allocation.disk.threshold_enabled": "false",
        }
        return Launch(
            name=self.name,
            argv=[
                str(home / "bin" / "elasticsearch"),
                *(f"-E{k}={v}" for k, v in settings.items()),
            ],
            cwd=run,
            env={
                "ES_JAVA_HOME": str(java_home),
                "ES_PATH_CONF": str(run / "config"),
                "ES_TMPDIR": str(run / "tmp"),
                "ES_JAVA_OPTS": f"-Xms{self.s.elasticsearch_heap} -Xmx{self.s.elasticsearch_heap}",
            },
            log_file=self.s.logs / "elasticsearch.log",
            pid_file=run / "pid",
            user=user,
        )

    def ports(self) -> list[int]:
        return [self.s.elasticsearch_port, self.s.elasticsearch_transport_port]

    def healthy(self) -> bool:
        # The integ-test-zip lacks the rest-root module, so GET / is 405: ask cluster health.
        return _http_ok(
            f"{self.s.elasticsearch_url}/_cluster/health?wait_for_status=yellow&timeout=1s"
        )


def _let_traverse(*paths: Path) -> None:
    """The unprivileged user must reach the distribution: add o+x to ancestors that lack it."""
    for path in paths:
        for ancestor in [path, *path.parents]:
            mode = ancestor.stat().st_mode
            if not mode & 0o001:
                ancestor.chmod(mode | 0o001)
