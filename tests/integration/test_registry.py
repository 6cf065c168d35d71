"""The contract in the real registry (Apicurio's Confluent-compatible API)."""

import json

import pytest
from confluent_kafka.schema_registry import Schema
from confluent_kafka.schema_registry.error import SchemaRegistryError
from fastavro import parse_schema
from fastavro.schema import to_parsing_canonical_form

from borderlink.serde import registry_client
from schemas import COMPATIBILITY, SUBJECTS, check_all, schema_dict, schema_str


def test_every_subject_is_registered_at_full_transitive(config, registered) -> None:
    client = registry_client(config.registry)
    assert set(registered) == set(SUBJECTS)
    for subject in SUBJECTS:
        assert client.get_compatibility(subject) == COMPATIBILITY
        latest = client.get_latest_version(subject)
        # Doc-only edits are the same schema to a registry: compare canonical forms.
        assert _canonical(latest.schema.schema_str) == _canonical(schema_str(subject))
    assert check_all(client) == []


def _canonical(schema: str) -> str:
    return to_parsing_canonical_form(parse_schema(json.loads(schema)))


def _with_person_field(extra: dict | None = None, drop: str | None = None) -> str:
    schema = schema_dict("Alert")
    person = schema["fields"][[f["name"] for f in schema["fields"]].index("persons")]
    fields = person["type"]["items"]["fields"]
    if extra:
        fields.append(extra)
    if drop:
        fields[:] = [f for f in fields if f["name"] != drop]
    return json.dumps(schema)


def test_evolution_is_enforced_by_the_registry(config, run_id) -> None:
    client = registry_client(config.registry)
    subject = f"test-{run_id}.Alert"
    client.set_compatibility(subject_name=subject, level=COMPATIBILITY)
    client.register_schema(subject, Schema(schema_str("Alert"), "AVRO"))

    optional = _with_person_field(
        {"name": "place_of_birth", "type": ["null", "string"], "default": None}
    )
    assert client.test_compatibility(subject, Schema(optional, "AVRO"))
    client.register_schema(subject, Schema(optional, "AVRO"))

    # record_id is required: old readers could not read alerts without it.
    removed = _with_person_field(drop="record_id")
    assert not client.test_compatibility(subject, Schema(removed, "AVRO"))
    with pytest.raises(SchemaRegistryError) as refused:
        client.register_schema(subject, Schema(removed, "AVRO"))
    assert refused.value.http_status_code == 409
    assert client.get_versions(subject) == [1, 2]
