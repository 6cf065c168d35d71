"""Investigator search: folded, fuzzy name search over alerts, with the links that explain
how each result connects to records of other agencies."""

from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch

from streams.normalise.text import fold

from . import indices


@dataclass
class AlertHit:
    alert_id: str
    agency: str
    country: str
    score: float
    names: list[str]
    event: str
    source: dict[str, Any]
    links: list[dict[str, Any]] = field(default_factory=list)


def search_names(es: Elasticsearch, prefix: str, text: str, size: int = 10) -> list[AlertHit]:
    """Alerts naming a person like ``text`` (any script, accents, order, small typos)."""
    spec = indices.specs(prefix)
    folded = fold(text)
    query = {
        "bool": {
            "should": [
                {
                    "match": {
                        "search.names": {"query": folded, "operator": "and", "fuzziness": "AUTO"}
                    }
                },
                {
                    "term": {
                        "search.name_keys": {"value": " ".join(sorted(folded.split())), "boost": 2}
                    }
                },
            ],
            "minimum_should_match": 1,
        }
    }
    response = es.search(index=spec["alerts"].name, query=query, size=size)
    hits = [
        AlertHit(
            alert_id=h["_id"],
            agency=h["_source"]["agency"],
            country=h["_source"]["country"],
            score=h["_score"],
            event=h["_source"]["event"]["kind"],
            names=[
                p.get("full_name") or f"{p.get('given_names')} {p.get('surnames')}"
                for p in h["_source"].get("persons", [])
            ],
            source=h["_source"],
        )
        for h in response["hits"]["hits"]
    ]
    if hits:
        ids = [h.alert_id for h in hits]
        links = es.search(
            index=spec["links"].name,
            size=100,
            query={
                "bool": {
                    "should": [
                        {"terms": {"left.alert_id": ids}},
                        {"terms": {"right.alert_id": ids}},
                    ]
                }
            },
        )["hits"]["hits"]
        for hit in hits:
            hit.links = [
                link["_source"]
                for link in links
                if hit.alert_id
                in (link["_source"]["left"]["alert_id"], link["_source"]["right"]["alert_id"])
            ]
    return hits
