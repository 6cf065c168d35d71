"""Registry-aware Avro codecs (Confluent wire format) for every component.

Readers decode with the current ``.avsc`` as reader schema, so records written with an
older compatible schema resolve to today's fields (defaults filled in).
"""

from datetime import UTC, datetime
from functools import cache
from typing import Any

from confluent_kafka.schema_registry import SchemaRegistryClient, record_subject_name_strategy
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from borderlink.settings import RegistrySettings
from schemas import schema_str


class Codec:
    """Serialize and deserialize one record type (e.g. 'Alert', 'Link') through the registry."""

    def __init__(self, registry: SchemaRegistryClient, name: str) -> None:
        schema = schema_str(name)
        self._serializer = AvroSerializer(
            registry,
            schema,
            conf={
                "auto.register.schemas": False,
                "subject.name.strategy": record_subject_name_strategy,
            },
        )
        # An explicit strategy: the default (ASSOCIATED) asks the registry for subject
        # associations on every decode, an HTTP round trip per record that Apicurio's
        # Confluent API does not answer.
        self._deserializer = AvroDeserializer(
            registry, schema, conf={"subject.name.strategy": record_subject_name_strategy}
        )

    def encode(self, record: dict[str, Any], topic: str) -> bytes:
        return self._serializer(record, SerializationContext(topic, MessageField.VALUE))

    def decode(self, data: bytes, topic: str) -> dict[str, Any]:
        return self._deserializer(data, SerializationContext(topic, MessageField.VALUE))


def registry_client(registry: RegistrySettings) -> SchemaRegistryClient:
    """One client (and schema cache) per registry and credentials, built from the settings."""
    auth = registry.basic_auth.get_secret_value() if registry.basic_auth else None
    return _client(registry.url, auth)


@cache
def _client(url: str, basic_auth: str | None) -> SchemaRegistryClient:
    return SchemaRegistryClient(RegistrySettings(url=url, basic_auth=basic_auth).client_conf())


def codec(registry: RegistrySettings, name: str) -> Codec:
    return Codec(registry_client(registry), name)


def now() -> datetime:
    return datetime.now(UTC)
