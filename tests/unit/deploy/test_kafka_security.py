"""Agencies' access to Kafka: the local broker's security settings and each agency's ACLs."""

import stat
from pathlib import Path

import pytest
from confluent_kafka.admin import (
    AclBinding,
    AclOperation,
    AclPermissionType,
    ResourcePatternType,
    ResourceType,
)
from typer.testing import CliRunner

from borderlink import acl
from borderlink.settings import KafkaSettings
from deploy.local import StackSettings
from deploy.local.servers import Kafka, server_properties

TOPIC, GROUP = ResourceType.TOPIC, ResourceType.GROUP
READ, WRITE, DESCRIBE = AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE


def _properties(settings: StackSettings) -> dict[str, str]:
    text = server_properties(settings, Path("/data"))
    return dict(line.split("=", 1) for line in text.splitlines())


def test_the_broker_authorises_agencies_and_lets_the_loopback_pipeline_in() -> None:
    props = _properties(StackSettings(kafka_port=1, kafka_controller_port=2, kafka_agency_port=3))
    assert props["authorizer.class.name"] == (
        "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    )
    assert props["allow.everyone.if.no.acl.found"] == "false"
    # The PLAINTEXT and CONTROLLER listeners' principal: the pipeline, tests and KRaft itself.
    assert props["super.users"] == "User:ANONYMOUS"
    assert props["listeners"] == (
        "PLAINTEXT://127.0.0.1:1,CONTROLLER://127.0.0.1:2,AGENCY://127.0.0.1:3"
    )
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:1,AGENCY://127.0.0.1:3"
    assert props["listener.security.protocol.map"] == (
        "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,AGENCY:SASL_PLAINTEXT"
    )
    assert props["inter.broker.listener.name"] == "PLAINTEXT"
    assert props["listener.name.agency.sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert (
        "ScramLoginModule required" in props["listener.name.agency.scram-sha-512.sasl.jaas.config"]
    )


def test_the_agency_port_is_checked_before_start_like_the_others() -> None:
    settings = StackSettings()
    assert settings.kafka_agency_port == settings.kafka_controller_port + 1
    assert settings.kafka_agency_port in Kafka(settings).ports()
    assert settings.kafka_agency_bootstrap == f"127.0.0.1:{settings.kafka_agency_port}"


def _grants(bindings: list[AclBinding], kind: ResourceType, name: str, op: AclOperation) -> bool:
    """Kafka's rule, for ALLOW bindings: literal names match exactly, prefixed ones by prefix;
    READ and WRITE imply DESCRIBE."""
    return any(
        b.restype == kind
        and b.permission_type == AclPermissionType.ALLOW
        and (
            b.name == name
            if b.resource_pattern_type == ResourcePatternType.LITERAL
            else name.startswith(b.name)
        )
        and (b.operation == op or (op == DESCRIBE and b.operation in (READ, WRITE)))
        for b in bindings
    )


def test_an_agency_is_granted_its_own_topics_and_groups_only() -> None:
    bindings = acl.agency_bindings("gy.police")
    assert {b.principal for b in bindings} == {"User:gy.police"}
    assert {b.host for b in bindings} == {"*"}
    assert sorted(
        (b.restype.name, b.name, b.resource_pattern_type.name, b.operation.name) for b in bindings
    ) == [
        ("GROUP", "gy.police.", "PREFIXED", "READ"),
        ("TOPIC", "in.gy.police", "LITERAL", "WRITE"),
        ("TOPIC", "in.gy.police.", "PREFIXED", "WRITE"),
        ("TOPIC", "out.gy.police.", "PREFIXED", "READ"),
    ]


@pytest.mark.parametrize(
    ("kind", "name", "op", "granted"),
    [
        (TOPIC, "in.gy.police", WRITE, True),
        (TOPIC, "in.gy.police", DESCRIBE, True),  # metadata, for the producer
        (TOPIC, "in.gy.police", READ, False),  # what it sent is the pipeline's to read
        (TOPIC, "in.gy.police-2", WRITE, False),  # another agency whose id extends this one
        (TOPIC, "in.gy.police.disclosures", WRITE, True),
        (TOPIC, "in.gy.police.disclosures", READ, False),
        (TOPIC, "in.gy.police-2.disclosures", WRITE, False),
        (TOPIC, "in.sr.police.disclosures", WRITE, False),
        (TOPIC, "in.sr.police", WRITE, False),
        (TOPIC, "out.gy.police.hits", READ, True),
        (TOPIC, "out.gy.police.hits", WRITE, False),
        (TOPIC, "out.gy.police-2.hits", READ, False),
        (TOPIC, "out.gy.police", READ, False),  # outbound topics are out.<agency>.<name>
        (TOPIC, "corr.links", READ, False),
        (GROUP, "gy.police.hits-reader", READ, True),
        (GROUP, "gy.police-2.reader", READ, False),
        (GROUP, "borderlink-sink", READ, False),
    ],
)
def test_what_an_agency_may_do(
    kind: ResourceType, name: str, op: AclOperation, granted: bool
) -> None:
    assert _grants(acl.agency_bindings("gy.police"), kind, name, op) is granted


@pytest.mark.parametrize("agency", ["GY.police", "gy", "gy.police.hits", "gy.", "guy.police"])
def test_ids_that_would_break_the_prefixes_are_refused(agency: str) -> None:
    # A second '.' in an id would let "out.<id>." be a prefix of another agency's topics.
    with pytest.raises(ValueError, match="agency id"):
        acl.agency_bindings(agency)


def test_a_password_file_is_for_its_owner_only(tmp_path: Path) -> None:
    fresh, existing = tmp_path / "fresh", tmp_path / "existing"
    existing.write_text("old password, readable by all\n")
    existing.chmod(0o644)
    for path in (fresh, existing):
        acl.write_secret(path, "s3cret")
        assert path.read_text() == "s3cret\n"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_agency_clients_log_in_with_scram_and_keep_the_password_out_of_reprs() -> None:
    kafka = acl.client_settings("127.0.0.1:19094", "gy.police", "s3cret")
    assert kafka.librdkafka() == {
        "bootstrap.servers": "127.0.0.1:19094",
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "gy.police",
        "sasl.password": "s3cret",
    }
    assert "s3cret" not in repr(kafka)
    credentials = kafka.faust_credentials()
    assert (credentials.username, credentials.mechanism.value) == ("gy.police", "SCRAM-SHA-512")
    assert KafkaSettings().faust_credentials() is None  # PLAINTEXT, as before


def test_agency_add_prints_the_password_alone_on_stdout_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from borderlink.cli import app

    passwords: list[str] = []
    monkeypatch.setattr(acl, "add_agency", lambda _admin, _agency, pw: passwords.append(pw))
    monkeypatch.setattr("borderlink.topics.provision", lambda *_args, **_kw: [])
    result = CliRunner().invoke(app, ["agency", "add", "gy.police"])
    assert result.exit_code == 0, result.output
    (password,) = passwords
    assert len(password) >= 40  # token_urlsafe(32): 256 bits
    assert result.stdout == password + "\n"
    assert password not in result.stderr
    assert "WRITE topic in.gy.police" in result.stderr


def test_agency_add_refuses_a_malformed_id() -> None:
    from borderlink.cli import app

    result = CliRunner().invoke(app, ["agency", "add", "Police"])
    assert result.exit_code == 2
    assert "iso-country" in result.output
