"""Registering and checking the subjects, against an in-memory stand-in for the registry."""

import json

import pytest
from confluent_kafka.schema_registry import RegisteredSchema, Schema
from confluent_kafka.schema_registry.error import SchemaRegistryError

from schemas import (
    ALERT_SUBJECT,
    COMPATIBILITY,
    DEAD_LETTER_SUBJECT,
    SUBJECT_NAME_STRATEGY,
    SUBJECTS,
    CompatibilityProblem,
    check_all,
    register_all,
    schema_dict,
    schema_str,
    top_level_records,
)


class FakeRegistry:
    """The few SchemaRegistryClient calls the subjects module makes, answering 404 where a
    Confluent registry does."""

    def __init__(self) -> None:
        self.levels: dict[str, str] = {}
        self.versions: dict[str, list[str]] = {}
        self.calls: list[tuple[str, str]] = []

    def set_compatibility(self, subject_name: str, level: str) -> str:
        self.calls.append(("set_compatibility", subject_name))
        self.levels[subject_name] = level
        return level

    def get_compatibility(self, subject_name: str) -> str:
        if subject_name not in self.levels:
            raise SchemaRegistryError(404, 40408, "Subject does not have compatibility level")
        return self.levels[subject_name]

    def register_schema(self, subject_name: str, schema: Schema) -> int:
        self.calls.append(("register_schema", subject_name))
        history = self.versions.setdefault(subject_name, [])
        if schema.schema_str not in history:
            history.append(schema.schema_str)
        return 100 + SUBJECTS.index(subject_name) * 10 + history.index(schema.schema_str)

    def get_versions(self, subject_name: str) -> list[int]:
        if subject_name not in self.versions:
            raise SchemaRegistryError(404, 40401, "Subject not found")
        return list(range(1, len(self.versions[subject_name]) + 1))

    def get_version(self, subject_name: str, version: int) -> RegisteredSchema:
        schema = Schema(self.versions[subject_name][version - 1], "AVRO")
        return RegisteredSchema(subject_name, version, None, None, schema)


def test_subjects_are_the_full_names_of_the_top_level_records():
    assert tuple(top_level_records()) == SUBJECTS
    published = {"Alert", "DeadLetter", "Link", "Hub", "Entity", "Network", "CrossBorderHit"}
    published.add("Share")  # an envelope of the others, per recipient agency
    written = {"Feedback", "AuditEvent"}  # by analysts' tools and the search API
    subscribed = {"Subscription", "SubscriptionMatch"}  # analysts' standing queries, matches
    # Survivor protection: notices to agencies, their disclosure requests and decisions.
    survivors = {"HitNotice", "DisclosureRequest", "DisclosureDecision"}
    names = {*published, *written, *subscribed, *survivors}
    assert {f"org.borderlink.v1.{name}" for name in names} == set(SUBJECTS)
    assert SUBJECT_NAME_STRATEGY(None, "org.borderlink.v1.Alert") == ALERT_SUBJECT
    assert COMPATIBILITY == "FULL_TRANSITIVE"


def test_register_all_sets_the_level_before_registering_each_subject():
    registry = FakeRegistry()
    ids = register_all(registry)
    assert ids == {subject: 100 + 10 * number for number, subject in enumerate(SUBJECTS)}
    assert registry.calls == [
        (call, subject) for subject in SUBJECTS for call in ("set_compatibility", "register_schema")
    ]
    assert registry.levels == {subject: COMPATIBILITY for subject in SUBJECTS}
    assert registry.versions[ALERT_SUBJECT] == [schema_str("Alert")]


def test_registering_again_is_a_no_op():
    registry = FakeRegistry()
    assert register_all(registry) == register_all(registry)
    assert len(registry.versions[ALERT_SUBJECT]) == 1


def test_an_empty_registry_has_no_problems():
    assert check_all(FakeRegistry()) == []


def test_the_current_schemas_have_no_problems_once_registered():
    registry = FakeRegistry()
    register_all(registry)
    assert check_all(registry) == []


def test_a_registered_version_the_current_schema_cannot_read_is_reported():
    # An early draft had no `agency`; the current Alert requires it without a default.
    draft = schema_dict("Alert")
    draft["fields"] = [field for field in draft["fields"] if field["name"] != "agency"]
    registry = FakeRegistry()
    registry.register_schema(ALERT_SUBJECT, Schema(json.dumps(draft), "AVRO"))
    registry.set_compatibility(ALERT_SUBJECT, COMPATIBILITY)

    (problem,) = check_all(registry)
    assert problem == CompatibilityProblem(
        ALERT_SUBJECT, 1, "Alert.agency: field added without default"
    )
    assert str(problem) == "org.borderlink.v1.Alert v1: Alert.agency: field added without default"


def test_a_subject_with_the_wrong_or_no_level_is_reported():
    registry = FakeRegistry()
    register_all(registry)
    registry.set_compatibility(ALERT_SUBJECT, "BACKWARD")
    del registry.levels[DEAD_LETTER_SUBJECT]

    alert, dead_letter = check_all(registry)
    assert alert.version is None
    assert alert.message == "compatibility level is BACKWARD, not FULL_TRANSITIVE"
    assert dead_letter.subject == DEAD_LETTER_SUBJECT
    assert "not set" in dead_letter.message


def test_registry_errors_other_than_not_found_are_raised():
    class Down(FakeRegistry):
        def get_versions(self, subject_name: str) -> list[int]:
            raise SchemaRegistryError(503, -1, "unavailable")

    with pytest.raises(SchemaRegistryError):
        check_all(Down())
