"""One-shot Elasticsearch set-up for deploy/compose: Kibana's password and the sink's API key.

Run by the compose ``es-setup`` service as the ``elastic`` superuser. Idempotent: the
``kibana_system`` password is set on every run (so changing KIBANA_PASSWORD takes effect), the
sink's API key only when its file is missing or empty (delete the file to rotate it).

Environment: ``ELASTIC_PASSWORD``, ``KIBANA_PASSWORD``, ``SINK_API_KEY_FILE``, and the usual
``BORDERLINK_ELASTICSEARCH__URL`` / ``BORDERLINK_ELASTICSEARCH__INDEX_PREFIX``.
"""

import os
import time
from pathlib import Path
from typing import Any, Protocol

from elastic_transport import ConnectionError as TransportConnectionError
from elasticsearch import ApiError, Elasticsearch

from borderlink import logs
from borderlink.settings import Settings

log = logs.get("deploy.compose.elasticsearch_setup")

SINK_KEY_NAME = "borderlink-sink"


def sink_role(prefix: str) -> dict[str, Any]:
    """Least privilege for ``consumers.sink``: put its index templates, create the first index
    of each alias (``manage``: create with an alias needs it, and so does adding new fields to
    an existing index's mapping), and index documents."""
    return {
        "borderlink_sink": {
            "cluster": ["manage_index_templates"],
            "indices": [
                {
                    "names": [f"{prefix}-*"],
                    "privileges": ["create_index", "manage", "index", "view_index_metadata"],
                }
            ],
        }
    }


class Security(Protocol):
    def change_password(self, *, username: str, password: str) -> Any: ...

    def create_api_key(self, *, name: str, role_descriptors: dict[str, Any]) -> Any: ...


def wait_until_healthy(es: Elasticsearch, timeout_s: float = 300.0) -> None:
    """The compose healthcheck already waits; this covers a restart of Elasticsearch alone."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            es.cluster.health(wait_for_status="yellow", timeout="10s")
            return
        except (TransportConnectionError, ApiError) as err:
            if time.monotonic() > deadline:
                raise
            log.info("waiting for elasticsearch", error=str(err)[:200])
            time.sleep(3)


def set_kibana_password(security: Security, password: str) -> None:
    security.change_password(username="kibana_system", password=password)


def ensure_sink_key(security: Security, prefix: str, key_file: Path) -> bool:
    """Create the sink's API key unless ``key_file`` holds one; True when one was created."""
    if key_file.exists() and key_file.read_text().strip():
        return False
    created = security.create_api_key(name=SINK_KEY_NAME, role_descriptors=sink_role(prefix))
    key_file.parent.mkdir(parents=True, exist_ok=True)
    # Written then renamed: a sink starting meanwhile never reads half a key.
    partial = key_file.with_suffix(".tmp")
    partial.write_text(created["encoded"])
    partial.chmod(0o600)
    partial.replace(key_file)
    return True


def main() -> None:
    logs.configure()
    config = Settings(_env_file=None).elasticsearch
    es = Elasticsearch(
        config.url, basic_auth=("elastic", os.environ["ELASTIC_PASSWORD"]), request_timeout=30
    )
    wait_until_healthy(es)
    set_kibana_password(es.security, os.environ["KIBANA_PASSWORD"])
    key_file = Path(os.environ["SINK_API_KEY_FILE"])
    created = ensure_sink_key(es.security, config.index_prefix, key_file)
    log.info("elasticsearch ready", sink_key_created=created, key_file=str(key_file))


if __name__ == "__main__":
    main()
