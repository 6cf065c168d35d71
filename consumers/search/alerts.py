"""Alerts naming a person: folded, fuzzy name search over the alerts index, with the links
that explain how each alert connects to records of other agencies."""

from dataclasses import dataclass, field
from typing import Any

from elasticsearch import Elasticsearch

from streams.normalise.text import fold

from .. import indices
from ..documents import name_key
from .links import fetch_links


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


def alerts_query(text: str) -> dict[str, Any]:
    folded = fold(text)
    return {
        "bool": {
            "should": [
                {
                    "match": {
                        "search.names": {"query": folded, "operator": "and", "fuzziness": "AUTO"}
                    }
                },
                {"term": {"search.name_keys": {"value": name_key(folded), "boost": 2}}},
            ],
            "minimum_should_match": 1,
        }
    }


def search_names(es: Elasticsearch, prefix: str, text: str, size: int = 10) -> list[AlertHit]:
    """Alerts naming a person like ``text`` (any script, accents, order, small typos)."""
    spec = indices.specs(prefix)
    response = es.search(index=spec["alerts"].name, query=alerts_query(text), size=size)
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
    links = fetch_links(es, spec["links"].name, [h.alert_id for h in hits])
    for hit in hits:
        hit.links = [
            link
            for link in links
            if hit.alert_id in (link["left"]["alert_id"], link["right"]["alert_id"])
        ]
    return hits
