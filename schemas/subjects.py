"""Registry subjects of the schema family, and registering and checking them.

RecordNameStrategy: the subject is the record's full name, so every `in.<agency>` topic
shares one Alert contract and one version history (TopicNameStrategy would fork it per
topic), and every `dlq.<stage>` topic shares one DeadLetter contract. Nested types are
inlined into their top-level record, so only top-level records (those no other type
refers to) are subjects.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from confluent_kafka.schema_registry import (
    Schema,
    SchemaRegistryClient,
    record_subject_name_strategy,
)
from confluent_kafka.schema_registry.error import SchemaRegistryError

from schemas.catalog import full_name, schema_str, top_level_records
from schemas.compat import check_compatible

# What AvroSerializer takes as its "subject.name.strategy" setting.
SUBJECT_NAME_STRATEGY = record_subject_name_strategy
# See schemas.compat for what this allows and why.
COMPATIBILITY = "FULL_TRANSITIVE"
ALERT_SUBJECT = full_name("Alert")
DEAD_LETTER_SUBJECT = full_name("DeadLetter")
# Derived, so that a new top-level .avsc becomes a subject without a code change.
SUBJECTS = tuple(top_level_records())

_T = TypeVar("_T")


@dataclass(frozen=True)
class CompatibilityProblem:
    """Why the current `.avsc` of `subject` cannot be registered; `version` is the registered
    version it cannot read, or None for a problem with the subject's settings."""

    subject: str
    version: int | None
    message: str

    def __str__(self) -> str:
        where = self.subject if self.version is None else f"{self.subject} v{self.version}"
        return f"{where}: {self.message}"


def register_all(client: SchemaRegistryClient) -> dict[str, int]:
    """Set each subject's compatibility level, then register the current schema.

    Returns subject -> schema id. Registering an unchanged schema is a no-op that returns
    the existing id. The registry refuses an incompatible schema with a SchemaRegistryError
    (HTTP 409); run `check_all` first for readable reasons.
    """
    ids = {}
    for subject in SUBJECTS:
        # Level first, so that the very first version is already held to it.
        client.set_compatibility(subject_name=subject, level=COMPATIBILITY)
        ids[subject] = client.register_schema(subject, Schema(schema_str(subject), "AVRO"))
    return ids


def _unless_missing(read: Callable[[str], _T], subject: str) -> _T | None:
    """A registry read where HTTP 404 (no such subject, no subject config) means None."""
    try:
        return read(subject)
    except SchemaRegistryError as error:
        if error.http_status_code == 404:
            return None
        raise


def check_all(client: SchemaRegistryClient) -> list[CompatibilityProblem]:
    """Check every current schema against every version registered under its subject,
    and each subject's compatibility level. A subject with no versions yet has no problems.
    """
    problems = []
    for subject in SUBJECTS:
        versions = _unless_missing(client.get_versions, subject)
        if not versions:
            continue
        level = _unless_missing(client.get_compatibility, subject) or "not set for the subject"
        if level != COMPATIBILITY:
            message = f"compatibility level is {level}, not {COMPATIBILITY}"
            problems.append(CompatibilityProblem(subject, None, message))
        current = schema_str(subject)
        for version in versions:
            old = client.get_version(subject, version).schema.schema_str
            problems += [
                CompatibilityProblem(subject, version, message.split(" ", 3)[3].lstrip(": "))
                for message in check_compatible(current, [old])
            ]
    return problems
