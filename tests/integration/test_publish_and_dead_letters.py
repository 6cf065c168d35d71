"""Agencies publish through the registry; what the worker cannot accept goes to dlq.validate
with its reason and original bytes, and never reaches alerts.valid."""

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from confluent_kafka import Producer

from borderlink import topics
from borderlink.serde import codec
from producers import AlertInvalid, AlertPublisher
from tests.helpers import alert, consume_all


def _alert(agency: str, country: str) -> dict:
    return alert(
        agency,
        country,
        datetime.now(UTC) - timedelta(hours=1),
        "ARREST",
        marking={"tlp": "GREEN"},
        phones=[{"record_id": "t1", "number": "+507 6123 4567"}],
    )


def test_a_published_alert_arrives_in_wire_format_keyed_by_its_id(config, agencies) -> None:
    alert = _alert(agencies["PA"], "PA")
    with AlertPublisher(agencies["PA"], config) as publisher:
        publisher.publish(alert)
    topic = topics.inbound(agencies["PA"])
    wanted = alert["alert_id"].encode()
    (msg,) = [
        m
        for m in consume_all(config, topic, lambda ms: any(m.key() == wanted for m in ms))
        if m.key() == wanted
    ]
    assert msg.value()[0] == 0  # Confluent wire format: magic byte, then the schema id
    decoded = codec(config.registry, "Alert").decode(msg.value(), topic)
    assert str(decoded["alert_id"]) == alert["alert_id"]
    assert decoded["phones"][0]["number"] == "+507 6123 4567"
    assert decoded["marking"]["tlp"] == "GREEN"


def test_an_invalid_alert_is_refused_before_it_is_sent(config, agencies) -> None:
    bad = _alert(agencies["PA"], "CO")  # a Panamanian agency claiming Colombia
    with AlertPublisher(agencies["PA"], config) as publisher, pytest.raises(AlertInvalid):
        publisher.publish(bad)
    assert publisher.report.delivered == 0


def test_a_schema_violation_is_reported_readably_and_not_sent(config, agencies) -> None:
    bad = _alert(agencies["PA"], "PA")
    bad["phones"][0]["number"] = 5071234567  # a number, where the schema says string
    with (
        AlertPublisher(agencies["PA"], config) as publisher,
        pytest.raises(AlertInvalid) as refused,
    ):
        publisher.publish(bad)
    assert any(p.startswith("schema:") and "number" in p for p in refused.value.problems)
    assert publisher.report.delivered == 0


def test_corrupt_and_spoofed_records_go_to_the_dead_letter_topic(config, agencies, worker) -> None:
    pa_topic = topics.inbound(agencies["PA"])
    corrupt_key = f"corrupt-{uuid.uuid4()}".encode()
    # A valid Colombian alert sent on the Panamanian agency's topic.
    spoofed = _alert(agencies["CO"], "CO")
    encoded = codec(config.registry, "Alert").encode(spoofed, pa_topic)
    producer = Producer(config.kafka.librdkafka())
    producer.produce(pa_topic, key=corrupt_key, value=b"not avro at all")
    producer.produce(pa_topic, key=spoofed["alert_id"].encode(), value=encoded)
    assert producer.flush(10) == 0

    letters = codec(config.registry, "DeadLetter")
    keys = {corrupt_key, spoofed["alert_id"].encode()}

    def mine(messages: list) -> dict[bytes, dict]:
        decoded = (letters.decode(m.value(), m.topic()) for m in messages)
        return {d["key"]: d for d in decoded if d["key"] in keys}

    found = mine(
        consume_all(
            config, topics.dead_letter("validate"), lambda ms: len(mine(ms)) == 2, timeout_s=60
        )
    )
    assert found[corrupt_key]["value"] == b"not avro at all"
    assert found[corrupt_key]["source_topic"] == pa_topic
    assert found[corrupt_key]["stage"] == "validate"
    assert "published on" in found[spoofed["alert_id"].encode()]["reason"]
    assert found[spoofed["alert_id"].encode()]["value"] == encoded

    valid = consume_all(config, topics.VALID_ALERTS, lambda ms: False, timeout_s=5)
    assert not any(m.key() in keys for m in valid)


def _publish_cli(path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "borderlink", "publish", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_publish_reports_every_problem_and_exits_2(client_env, agencies, tmp_path) -> None:
    alert = _alert(agencies["PA"], "PA")
    alert["observed_at"] = "2026-11-20T10:00:00Z"
    alert["reported_at"] = "2026-11-20T09:00:00Z"
    alert["phones"][0]["holder_ref"] = "p7"
    path = tmp_path / "alert.json"
    path.write_text(json.dumps(alert))
    result = _publish_cli(path, client_env)
    assert result.returncode == 2
    assert "observed_at is after reported_at" in result.stdout
    assert "holder_ref 'p7' names no record" in result.stdout

    alert["reported_at"] = "2026-11-20T11:00:00Z"
    del alert["phones"][0]["holder_ref"]
    path.write_text(json.dumps(alert))
    result = _publish_cli(path, client_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"published {alert['alert_id']}" in result.stdout
