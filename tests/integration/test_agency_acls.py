"""Agencies on the real broker: each logs in with its own SCRAM principal and may write only
its inbound topic and read only its outbound topics (borderlink.acl, docs/access-control.md).

Agency B's id extends A's (``pa.acl-<run>`` and ``pa.acl-<run>-b``), so these tests also
prove that A's prefixed ACLs do not reach B's topics.
"""

import os
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, KafkaError, Producer
from confluent_kafka.admin import AdminClient

from borderlink import acl, topics
from borderlink.settings import KafkaSettings, Settings
from deploy.local import Stack
from deploy.local.servers import AGENCY_LISTENER
from deploy.local.stack import port_in_use
from producers import AlertPublisher
from tests.helpers import alert


@dataclass(frozen=True)
class Agency:
    id: str
    password: str
    outbound: str  # one of its outbound topics, holding one record

    def kafka(self, bootstrap: str, password: str | None = None) -> KafkaSettings:
        return acl.client_settings(bootstrap, self.id, password or self.password)


@pytest.fixture(scope="module")
def agency_bootstrap(stack: Stack) -> str:
    s = stack.settings
    if not port_in_use(s.kafka_agency_port):
        props = (s.run / "kafka" / "server.properties").read_text()
        # A stack reused from before the agency listener existed: skip, do not fail. One
        # started with it (CI, a fresh test stack) must listen.
        if f"{AGENCY_LISTENER}://" not in props:
            pytest.skip(
                f"Kafka at {s.kafka_bootstrap} was started before it had the agency listener "
                f"(port {s.kafka_agency_port} not listening): restart that stack to run these "
                "tests (docs/access-control.md)"
            )
        pytest.fail(f"Kafka's agency listener is configured but port {s.kafka_agency_port} is shut")
    return s.kafka_agency_bootstrap


@pytest.fixture(scope="module")
def admin(config: Settings) -> AdminClient:
    return AdminClient(config.kafka.librdkafka())  # the internal listener: a super user


@pytest.fixture(scope="module")
def pair(
    admin: AdminClient, config: Settings, run_id: str, agency_bootstrap: str
) -> Iterator[tuple[Agency, Agency]]:
    a, b = (
        Agency(i, acl.generate_password(), f"{acl.outbound_prefix(i)}hits")
        for i in (f"pa.acl-{run_id}", f"pa.acl-{run_id}-b")
    )
    topics.provision(admin, [topics.inbound(a.id), topics.inbound(b.id), a.outbound, b.outbound])
    internal = Producer(config.kafka.librdkafka())
    for agency in (a, b):
        acl.add_agency(admin, agency.id, agency.password)
        internal.produce(agency.outbound, b"for " + agency.id.encode())
    assert internal.flush(30) == 0
    yield a, b
    for agency in (a, b):  # the stack may be reused: leave no logins behind
        acl.remove_agency(admin, agency.id)


def first(outcome: list[Any], serve: Callable[[], None], timeout_s: float = 30) -> Any:
    """Call ``serve`` (a client's poll) until it put something into ``outcome``."""
    deadline = time.monotonic() + timeout_s
    while not outcome and time.monotonic() < deadline:
        serve()
    assert outcome, f"no outcome in {timeout_s}s"
    return outcome[0]


def produce(kafka: KafkaSettings, topic: str) -> KafkaError | None:
    """Produce one record as the SDK does (idempotent, acks=all): None once delivered, else
    the first error (delivery report, or the client's own, e.g. failed authentication)."""
    outcome: list[KafkaError | None] = []
    conf = {**kafka.librdkafka(), "enable.idempotence": True, "acks": "all"}
    producer = Producer({**conf, "error_cb": outcome.append})
    producer.produce(topic, b"probe", on_delivery=lambda err, _msg: outcome.append(err))
    try:
        return first(outcome, lambda: producer.poll(0.2))
    finally:
        producer.purge()


def consume(kafka: KafkaSettings, topic: str, group: str) -> bytes | KafkaError:
    """The first record of ``topic`` read in ``group``, or the first error."""
    outcome: list[Any] = []
    conf = {**kafka.librdkafka(), "group.id": group, "auto.offset.reset": "earliest"}
    consumer = Consumer({**conf, "error_cb": outcome.append})
    consumer.subscribe([topic])

    def serve() -> None:
        msg = consumer.poll(0.5)
        if msg is not None:
            outcome.append(msg.error() or msg.value())

    try:
        return first(outcome, serve)
    finally:
        consumer.close()


def code(outcome: Any) -> int | None:
    return outcome.code() if isinstance(outcome, KafkaError) else None


def test_an_agency_publishes_alerts_to_its_own_topic_with_the_sdk(
    pair: tuple[Agency, Agency], config: Settings, agency_bootstrap: str, registered: Any
) -> None:
    a, _ = pair
    as_a = config.model_copy(update={"kafka": a.kafka(agency_bootstrap)})
    with AlertPublisher(a.id, as_a) as publisher:  # idempotent: needs no cluster ACL
        observed = datetime.now(UTC) - timedelta(hours=2)
        phones = [{"record_id": "p1", "number": "+507 6123 4567"}]
        publisher.publish(alert(a.id, "PA", observed, phones=phones))
    assert publisher.report.delivered == 1


def test_an_agency_may_not_write_another_agencys_topic(
    pair: tuple[Agency, Agency], agency_bootstrap: str
) -> None:
    a, b = pair
    assert code(produce(a.kafka(agency_bootstrap), topics.inbound(b.id))) == (
        KafkaError.TOPIC_AUTHORIZATION_FAILED
    )
    assert code(produce(a.kafka(agency_bootstrap), b.outbound)) == (
        KafkaError.TOPIC_AUTHORIZATION_FAILED
    )


def test_an_agency_writes_its_own_disclosures_topic_only(
    pair: tuple[Agency, Agency], admin: AdminClient, agency_bootstrap: str
) -> None:
    a, b = pair
    topics.provision(admin, [topics.disclosures(a.id), topics.disclosures(b.id)])
    assert produce(a.kafka(agency_bootstrap), topics.disclosures(a.id)) is None
    assert code(produce(a.kafka(agency_bootstrap), topics.disclosures(b.id))) == (
        KafkaError.TOPIC_AUTHORIZATION_FAILED
    )


def test_an_agency_reads_its_outbound_topics_and_nothing_else(
    pair: tuple[Agency, Agency], agency_bootstrap: str
) -> None:
    a, b = pair
    kafka, group = a.kafka(agency_bootstrap), f"{acl.group_prefix(a.id)}reader"
    assert consume(kafka, a.outbound, group) == b"for " + a.id.encode()
    for refused in (b.outbound, topics.inbound(b.id), topics.inbound(a.id)):
        outcome = consume(kafka, refused, group)
        assert code(outcome) == KafkaError.TOPIC_AUTHORIZATION_FAILED, (refused, outcome)
    # Its own topic, but in a group of another agency.
    other_group = f"{acl.group_prefix(b.id)}reader"
    assert code(consume(kafka, a.outbound, other_group)) == KafkaError.GROUP_AUTHORIZATION_FAILED


def test_a_wrong_password_is_refused(pair: tuple[Agency, Agency], agency_bootstrap: str) -> None:
    a, b = pair
    refused = produce(a.kafka(agency_bootstrap, password=b.password), topics.inbound(a.id))
    assert code(refused) == KafkaError._AUTHENTICATION


def test_the_cli_adds_lists_and_removes_an_agency(
    client_env: dict[str, str], agency_bootstrap: str, run_id: str, tmp_path: Path
) -> None:
    agency, password_file = f"co.cli-{run_id}", tmp_path / "password"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "borderlink", "agency", *args],
            env={**client_env, "COLUMNS": "200"},  # rich must not wrap the table
            capture_output=True,
            text=True,
            check=True,
        )

    added = cli("add", agency, "--password-file", str(password_file))
    assert stat.S_IMODE(os.stat(password_file).st_mode) == 0o600
    password = password_file.read_text().strip()
    assert password not in added.stdout + added.stderr  # written once, never echoed
    kafka = acl.client_settings(agency_bootstrap, agency, password)
    assert produce(kafka, topics.inbound(agency)) is None  # add also created the topic
    assert f"WRITE topic {topics.inbound(agency)}" in cli("list").stdout
    cli("remove", agency)
    assert agency not in cli("list").stdout
    assert code(produce(kafka, topics.inbound(agency))) == KafkaError._AUTHENTICATION
