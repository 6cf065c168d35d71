"""Settings of the local stack: versions, ports, heaps, folders (``BORDERLINK_STACK_*``)."""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class StackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BORDERLINK_STACK_", extra="ignore")

    # What the stack writes (data, logs, pid files) lives here; downloads in the cache.
    # Both are ignored by git. Several stacks (demo, tests) can share one cache.
    home: Path = REPO_ROOT / ".stack"
    cache: Path = REPO_ROOT / ".stack" / "cache"
    maven_central: str = "https://repo1.maven.org/maven2"

    kafka_version: str = "4.4.0"
    registry_version: str = "3.3.3"
    elasticsearch_version: str = "9.5.4"

    kafka_port: int = 19092
    kafka_controller_port: int = 19093
    # Agencies' SASL/SCRAM listener (one principal per agency, ACLs); the port above is the
    # pipeline's own, unauthenticated and super user: loopback only.
    kafka_agency_port: int = 19094
    registry_port: int = 18081
    registry_management_port: int = 19001
    elasticsearch_port: int = 19200
    elasticsearch_transport_port: int = 19300

    kafka_heap: str = "512m"
    registry_heap: str = "384m"
    elasticsearch_heap: str = "512m"
    kafka_partitions: int = 3

    # A JDK >= 21 (Elasticsearch 9 needs it); found under /usr/lib/jvm when unset.
    java_home: Path | None = None
    # Elasticsearch refuses to run as root: when root, the stack runs it as this user.
    elasticsearch_user: str = "borderlink"
    # Generous: a first Elasticsearch start on a busy 2-core machine has taken over 2 min.
    start_timeout_s: float = 300.0

    @property
    def run(self) -> Path:
        return self.home / "run"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def kafka_agency_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_agency_port}"

    @property
    def registry_url(self) -> str:
        return f"http://127.0.0.1:{self.registry_port}/apis/ccompat/v7"

    @property
    def elasticsearch_url(self) -> str:
        return f"http://127.0.0.1:{self.elasticsearch_port}"

    def client_env(self) -> dict[str, str]:
        """The environment that points every Borderlink client at this stack."""
        return {
            "BORDERLINK_KAFKA__BOOTSTRAP_SERVERS": self.kafka_bootstrap,
            "BORDERLINK_REGISTRY__URL": self.registry_url,
            "BORDERLINK_ELASTICSEARCH__URL": self.elasticsearch_url,
        }
