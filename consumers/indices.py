"""The indices the sink writes: versioned templates, concrete indices behind aliases."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from elasticsearch import Elasticsearch

from .mappings import GEO_PROPERTIES, SEARCH_PROPERTIES, TEMPLATE_VERSION, mapping

# Share kinds and the index each kind's copies go to ("shared-<name>").
SHARED_KINDS = {
    "ALERT": "alerts",
    "LINK": "links",
    "ENTITY": "entities",
    "NETWORK": "networks",
    "HIT": "hits",
}
# The envelope of a copy: to whom, under what, graded how, what it lacks (not the payload).
ENVELOPE = ("recipient", "kind", "subject_id", "version", "sources", "withheld", "shared_at")


def _share_properties() -> dict[str, Any]:
    share = mapping("Share")["properties"]
    return {"share": {"properties": {name: share[name] for name in ENVELOPE}}}


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
    base = {
        "alerts": IndexSpec(f"{prefix}-alerts", "Alert", {**SEARCH_PROPERTIES, **GEO_PROPERTIES}),
        "links": IndexSpec(f"{prefix}-links", "Link", {}),
        "hubs": IndexSpec(f"{prefix}-hubs", "Hub", {}),
        "entities": IndexSpec(f"{prefix}-entities", "Entity", SEARCH_PROPERTIES),
        "networks": IndexSpec(f"{prefix}-networks", "Network", {}),
        "hits": IndexSpec(f"{prefix}-hits", "CrossBorderHit", {}),
        "audit": IndexSpec(f"{prefix}-audit", "AuditEvent", {}),
    }
    # Each agency's copies, shaped as the pipeline's own documents plus their share envelope,
    # so that search reads an agency's view exactly as it reads the full indices.
    shared = {
        f"shared-{name}": IndexSpec(
            f"{prefix}-shared-{name}",
            base[name].record,
            {**base[name].extra, **_share_properties()},
        )
        for name in SHARED_KINDS.values()
    }
    return base | shared


def view_name(prefix: str, agency: str, name: str) -> str:
    """``t1-view-tt.ctu-entities``: the agency's view of one kind of document."""
    return f"{prefix}-view-{agency}-{name}"


def views(prefix: str, agency: str) -> dict[str, str]:
    """Index name -> the agency's view alias: what search reads on the agency's behalf."""
    return {name: view_name(prefix, agency, name) for name in SHARED_KINDS.values()}


def create_views(es: Elasticsearch, prefix: str, agencies: Iterable[str]) -> None:
    """The agencies' read views: filtered aliases over the shared indices that show only
    what the policy stage released to each. A deployment grants each agency's role read on
    its own views alone (docs/access-control.md). One request, however many agencies."""
    actions = [
        {
            "add": {
                # Over the concrete indices behind the shared alias (not an alias of aliases).
                "index": f"{prefix}-shared-{name}-*",
                "alias": alias,
                "filter": {"term": {"share.recipient": agency}},
            }
        }
        for agency in agencies
        for name, alias in views(prefix, agency).items()
    ]
    if actions:
        es.indices.update_aliases(actions=actions)


# A record (alert, entity or link) as subscriptions' standing queries read it: only what rules
# name, built by consumers.subscriptions.records with the sink's derived name fields.
PERCOLATED_PROPERTIES = {
    "record": {
        "properties": {
            "source": {"type": "keyword"},
            "kinds": {"type": "keyword"},
            "countries": {"type": "keyword"},
            "cross_border": {"type": "boolean"},
            "identifiers": {"type": "keyword"},
            "score": {"type": "double"},
            "decision": {"type": "keyword"},
            **SEARCH_PROPERTIES,
        }
    }
}


def subscriptions_spec(prefix: str, percolator: bool = True) -> IndexSpec:
    """Analysts' standing queries, kept by the subscription matcher (not the sink). A node
    without the percolator module (the local stack's integ-test-zip) stores the query
    unindexed, and the matcher runs it as a search over each batch instead."""
    query = {"type": "percolator"} if percolator else {"type": "object", "enabled": False}
    extra = {"rule_query": query, **PERCOLATED_PROPERTIES}
    return IndexSpec(f"{prefix}-subscriptions", "Subscription", extra)


def ensure(
    es: Elasticsearch, index_specs: dict[str, IndexSpec], shards: int = 1, replicas: int = 0
) -> None:
    """Put each template, and create its first index with the write alias when missing.

    A template only shapes indices created after it, so an existing index also gets the
    template's properties: new fields are added to it, unchanged ones are a no-op, and a
    change it cannot take (a field's type) is refused with a 400 here, before any write.
    Documents indexed before a new field existed lack it until they are replayed.
    """
    for spec in index_specs.values():
        body = spec.template_body(shards, replicas)
        es.indices.put_index_template(name=spec.name, **body)
        if not es.indices.exists_alias(name=spec.name):
            es.options(ignore_status=400).indices.create(
                index=f"{spec.name}-{TEMPLATE_VERSION:06d}",
                aliases={spec.name: {"is_write_index": True}},
            )
        es.indices.put_mapping(
            index=spec.name, properties=body["template"]["mappings"]["properties"]
        )
