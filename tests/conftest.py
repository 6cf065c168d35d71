"""Shared fixtures: the real local stack (started once, or reused), a worker, a sink.

Integration and e2e tests run against a stack of their own (``.stack/test``, ports shifted
by +10000) so they never touch the demo's data. Every session uses fresh agency ids, consumer
groups and index prefixes, so a reused stack needs no cleaning.
"""

import os
import secrets
import string
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.admin import AdminClient
from elasticsearch import Elasticsearch

from borderlink import topics
from borderlink.serde import registry_client
from borderlink.settings import ElasticsearchSettings, KafkaSettings, RegistrySettings, Settings
from deploy.local import Stack, StackSettings
from deploy.local.settings import REPO_ROOT
from tests.helpers import SESSION_START_MS, start_worker, wait_for

STACK_TESTS = ("integration", "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(part in STACK_TESTS for part in Path(item.fspath).parts):
            item.add_marker(pytest.mark.stack)


@pytest.fixture(scope="session")
def stack_settings() -> StackSettings:
    # BORDERLINK_TEST_STACK=env: use the stack that BORDERLINK_STACK_* describe instead (one
    # started by hand, e.g. to try a server change without restarting the shared test stack).
    if os.environ.get("BORDERLINK_TEST_STACK") == "env":
        return StackSettings()
    return StackSettings(
        home=REPO_ROOT / ".stack" / "test",
        kafka_port=29092,
        kafka_controller_port=29093,
        kafka_agency_port=29094,
        registry_port=28081,
        registry_management_port=29001,
        elasticsearch_port=29200,
        elasticsearch_transport_port=29300,
    )


@pytest.fixture(scope="session")
def stack(stack_settings: StackSettings) -> Iterator[Stack]:
    """Start the test stack once per session, or reuse it when it already runs."""
    stack = Stack(stack_settings)
    was_running = all(s.healthy for s in stack.status())
    stack.up()
    yield stack
    if not was_running and not os.environ.get("BORDERLINK_TEST_KEEP_STACK"):
        stack.down()


@pytest.fixture(scope="session")
def run_id() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def config(stack: Stack, run_id: str) -> Settings:
    s = stack.settings
    return Settings(
        kafka=KafkaSettings(bootstrap_servers=s.kafka_bootstrap),
        registry=RegistrySettings(url=s.registry_url),
        elasticsearch=ElasticsearchSettings(url=s.elasticsearch_url, index_prefix=f"t{run_id}"),
    )


@pytest.fixture(scope="session")
def client_env(stack: Stack, config: Settings) -> dict[str, str]:
    """Environment for subprocesses (CLI, worker) that points them at the test stack, with
    a network key of the session's own for the agencies' survivor tokens."""
    return {
        **os.environ,
        **stack.settings.client_env(),
        "BORDERLINK_ELASTICSEARCH__INDEX_PREFIX": config.elasticsearch.index_prefix,
        "BORDERLINK_LOG_FORMAT": "json",
        "BORDERLINK_PRIVACY_KEY": f"base64:{secrets.token_urlsafe(32)}",
    }


@pytest.fixture(scope="session")
def registered(config: Settings) -> dict[str, int]:
    from schemas import register_all

    return register_all(registry_client(config.registry))


@pytest.fixture(scope="session")
def agencies(config: Settings, run_id: str, registered: dict[str, int]) -> dict[str, str]:
    """Agencies in three countries, fresh for this session, with their topics created: three
    that publish, and the prosecutors whose investigators search (API and console tests)."""
    ids = {"PA": f"pa.migracion-{run_id}", "CO": f"co.uiaf-{run_id}", "TT": f"tt.ctu-{run_id}"}
    ids |= {"CO_API": f"co.fiscalia-api-{run_id}", "CO_CONSOLE": f"co.fiscalia-{run_id}"}
    admin = AdminClient(config.kafka.librdkafka())
    agency_topics = [t for a in ids.values() for t in topics.agency_topics(a)]
    topics.provision(admin, [*topics.pipeline_topics(), *agency_topics])
    return ids


@pytest.fixture(scope="session")
def policy_dir(agencies: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's sharing agreements: tests/integration/policy with its agency ids."""
    directory = tmp_path_factory.mktemp("policy")
    for template in (REPO_ROOT / "tests" / "integration" / "policy").glob("*.toml"):
        text = string.Template(template.read_text()).substitute(agencies)
        (directory / template.name).write_text(text)
    return directory


@pytest.fixture(scope="session")
def worker(
    agencies: dict[str, str],
    policy_dir: Path,
    client_env: dict[str, str],
    run_id: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[subprocess.Popen[bytes]]:
    """A real faust worker process reading this session's agency topics."""
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {
        **client_env,
        "BORDERLINK_STREAMS_APP_ID": f"streams-{run_id}",
        "BORDERLINK_STREAMS_DATADIR": str(log_path.parent / "state"),
        "BORDERLINK_STREAMS_POLICY_DIR": str(policy_dir),
        "BORDERLINK_STREAMS_INBOUND_TOPICS": "["
        + ",".join(f'"{topics.inbound(a)}"' for a in agencies.values())
        + "]",
    }
    proc = start_worker(env, log_path)
    yield proc
    proc.terminate()
    proc.wait(30)


@pytest.fixture(scope="session")
def sink(config: Settings, run_id: str) -> Iterator[Any]:
    """The Elasticsearch sink running in a thread of the test process."""
    from consumers import ElasticsearchSink, SinkSettings

    stop = threading.Event()
    # From the session's start: a reused stack holds every earlier session's records.
    scfg = SinkSettings(group_id=f"sink-{run_id}", start_at_ms=SESSION_START_MS)
    sink = ElasticsearchSink(config, scfg)
    thread = threading.Thread(target=sink.run, kwargs={"should_stop": stop.is_set}, daemon=True)
    thread.start()
    # Ready once its indices exist: tests may search before the first record arrives.
    wait_for(
        lambda: (
            all(sink.es.indices.exists_alias(name=s.name) for s in sink.indices.values())
            or not thread.is_alive()
        ),
        timeout_s=60,
        what="sink indices",
    )
    assert thread.is_alive(), "the sink thread died during start-up"
    yield sink
    stop.set()
    thread.join(30)


@pytest.fixture(scope="session")
def es(config: Settings) -> Elasticsearch:
    return Elasticsearch(config.elasticsearch.url)
