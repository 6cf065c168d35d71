"""Person search over entities: Elasticsearch finds candidates by folded, fuzzy tokens (any
script, accents, order, typos); the resolver's own name comparison then ranks them, so
the entity an investigator means comes first whichever way the name was written."""

from typing import Any

from elasticsearch import Elasticsearch

from streams.normalise import NormalisationError, PersonName, name_similarity, parse_name
from streams.normalise.text import fold

from ..documents import name_key
from .entities import EntityHit, active_query

CANDIDATES = 50  # re-ranked in Python; the names of 50 entities compare in well under 10 ms


def name_query(text: str) -> dict[str, Any]:
    """Person entities sharing a token with ``text``, near spellings included; all tokens
    and the same tokens in any order score higher."""
    folded = fold(text)
    query = active_query({"term": {"kind": "PERSON"}})
    query["bool"]["should"] = [
        {"match": {"search.names": {"query": folded, "fuzziness": "AUTO"}}},
        {"match": {"search.names": {"query": folded, "operator": "and", "boost": 2}}},
        {"term": {"search.name_keys": {"value": name_key(folded), "boost": 3}}},
    ]
    query["bool"]["minimum_should_match"] = 1
    return query


def _parsed(name: str) -> PersonName | None:
    try:
        return parse_name(name, order="unknown")
    except NormalisationError:
        return None


def similarity(text: str, labels: list[str]) -> float:
    """The best similarity of ``text`` to any of the entity's names, in [0, 1]."""
    query = _parsed(text)
    if query is None:
        return 0.0
    names = (parsed for parsed in map(_parsed, labels) if parsed is not None)
    return max((name_similarity(query, name) for name in names), default=0.0)


def rank(text: str, hits: list[EntityHit]) -> list[EntityHit]:
    """By name similarity, then Elasticsearch's score (which weighs rare tokens more)."""
    for hit in hits:
        hit.similarity = round(similarity(text, hit.labels), 4)
    return sorted(hits, key=lambda h: (-(h.similarity or 0.0), -h.score, h.entity_id))


def search_persons(es: Elasticsearch, index: str, text: str, size: int = 10) -> list[EntityHit]:
    if not fold(text):
        return []
    response = es.search(
        index=index,
        query=name_query(text),
        size=max(size, CANDIDATES),
        source_excludes=["search", "indexed_at"],
    )
    hits = [EntityHit.from_source(h["_source"], h["_score"]) for h in response["hits"]["hits"]]
    return rank(text, hits)[:size]
