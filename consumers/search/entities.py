"""Entities as search results: one real person (or phone, passport...) with the records of
every agency that reported it, and the links that explain why those records are one."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch

from .links import Ref, fetch_links, ref_of, touching

MAX_ENTITIES = 200  # per request: more would be a hub's worth of holders


@dataclass
class EntityHit:
    entity_id: str
    kind: str
    status: str
    labels: list[str]
    countries: list[str]
    agencies: list[str]
    cross_border: bool
    network_id: str | None
    members: list[dict[str, str]]
    replaced_by: list[str] = field(default_factory=list)
    score: float = 0.0  # Elasticsearch's relevance (name search only)
    similarity: float | None = None  # name similarity to the query (name search only)
    links: list[dict[str, Any]] = field(default_factory=list)  # why its records are linked

    @classmethod
    def from_source(cls, source: dict[str, Any], score: float = 0.0) -> "EntityHit":
        fields = cls.__dataclass_fields__
        known = {k: v for k, v in source.items() if k in fields and k not in ("score", "links")}
        return cls(**known, score=score)

    @property
    def refs(self) -> set[Ref]:
        return {ref_of(m) for m in self.members}


def active_query(*filters: dict[str, Any]) -> dict[str, Any]:
    """Only current entities: a RETIRED one's records belong to other ids now."""
    return {"bool": {"filter": [{"term": {"status": "ACTIVE"}}, *filters]}}


def with_links(es: Elasticsearch, links_index: str, hits: list[EntityHit]) -> list[EntityHit]:
    """Attach to each entity the links touching its records (one query for all)."""
    links = fetch_links(es, links_index, {ref[0] for hit in hits for ref in hit.refs})
    for hit in hits:
        hit.links = touching(links, hit.refs)
    return hits


def get_entity(es: Elasticsearch, index: str, entity_id: str) -> EntityHit | None:
    # A search, not a GET by id: an agency's view is a filtered alias, which a GET ignores,
    # and its copies are keyed by recipient too.
    response = es.search(index=index, query={"term": {"entity_id": entity_id}}, size=1)
    hits = response["hits"]["hits"]
    return EntityHit.from_source(hits[0]["_source"]) if hits else None


def entities_holding(es: Elasticsearch, index: str, refs: Iterable[Ref]) -> list[EntityHit]:
    """The current entities with a member among ``refs``."""
    wanted = set(refs)
    if not wanted:
        return []
    response = es.search(
        index=index,
        query=active_query({"terms": {"members.alert_id": sorted({a for a, _ in wanted})}}),
        size=MAX_ENTITIES,
        source_excludes=["search", "indexed_at"],
    )
    hits = [EntityHit.from_source(h["_source"]) for h in response["hits"]["hits"]]
    # members is an array of objects, not nested: check alert and record id together here.
    return [hit for hit in hits if hit.refs & wanted]
