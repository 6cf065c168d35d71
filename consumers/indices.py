"""The indices the sink writes: versioned templates, concrete indices behind aliases."""

from dataclasses import dataclass
from typing import Any

from elasticsearch import Elasticsearch

from .mappings import SEARCH_PROPERTIES, TEMPLATE_VERSION, mapping


@dataclass(frozen=True)
class IndexSpec:
    name: str  # the alias readers and the sink use, e.g. "borderlink-alerts"
    record: str  # the Avro record the documents follow
    extra: dict[str, Any]

    def template_body(self, shards: int, replicas: int) -> dict[str, Any]:
        return {
            "index_patterns": [f"{self.name}-*"],
            "version": TEMPLATE_VERSION,
            "template": {
                "settings": {
                    "number_of_shards": shards,
                    "number_of_replicas": replicas,
                    # Explicit: an idle index otherwise skips refreshes until searched.
                    "refresh_interval": "1s",
                },
                "mappings": mapping(self.record, self.extra),
            },
        }


def specs(prefix: str) -> dict[str, IndexSpec]:
    return {
        "alerts": IndexSpec(f"{prefix}-alerts", "Alert", SEARCH_PROPERTIES),
        "links": IndexSpec(f"{prefix}-links", "Link", {}),
        "hubs": IndexSpec(f"{prefix}-hubs", "Hub", {}),
        "entities": IndexSpec(f"{prefix}-entities", "Entity", SEARCH_PROPERTIES),
        "networks": IndexSpec(f"{prefix}-networks", "Network", {}),
        "hits": IndexSpec(f"{prefix}-hits", "CrossBorderHit", {}),
    }


def ensure(
    es: Elasticsearch, index_specs: dict[str, IndexSpec], shards: int = 1, replicas: int = 0
) -> None:
    """Put each template, and create its first index with the write alias when missing."""
    for spec in index_specs.values():
        es.indices.put_index_template(name=spec.name, **spec.template_body(shards, replicas))
        if not es.indices.exists_alias(name=spec.name):
            es.options(ignore_status=400).indices.create(
                index=f"{spec.name}-{TEMPLATE_VERSION:06d}",
                aliases={spec.name: {"is_write_index": True}},
            )
