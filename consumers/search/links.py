"""Why records are linked: the links of the links index, each with a line an investigator
reads (what the link asserts and the evidence, field by field)."""

from collections.abc import Iterable
from typing import Any

from elasticsearch import Elasticsearch

Ref = tuple[str, str]  # (alert_id, record_id): one subject record
MAX_LINKS = 1000  # per request; a record with more links is a hub, flagged on corr.hubs


def ref_of(record_ref: dict[str, Any]) -> Ref:
    return str(record_ref["alert_id"]), record_ref["record_id"]


def links_query(alert_ids: Iterable[str]) -> dict[str, Any]:
    ids = sorted(set(alert_ids))
    return {
        "bool": {
            "should": [{"terms": {"left.alert_id": ids}}, {"terms": {"right.alert_id": ids}}],
            "minimum_should_match": 1,
        }
    }


def why(link: dict[str, Any]) -> str:
    """E.g. 'same person, match (score 21.3): name 0.97, date_of_birth 1.00 — pa.migracion
    (PA) and co.uiaf (CO)'; a shared identifier names the value both records hold."""
    kind = link["kind"].replace("_", " ").lower()
    decision = link["decision"].replace("_", " ").lower()
    if link["kind"] == "SHARED_IDENTIFIER" and link["explanation"]:
        first = link["explanation"][0]
        evidence = f"both hold {first['field']} {first['left']}"
        head = f"{kind}, {decision}"
    else:
        evidence = ", ".join(
            f"{e['field']} {e['similarity']:.2f}" for e in link["explanation"] if e["weight"]
        )
        head = f"{kind}, {decision} (score {link['score']:.1f})"
    left, right = link["left"], link["right"]
    ends = f"{left['agency']} ({left['country']}) and {right['agency']} ({right['country']})"
    return f"{head}: {evidence} — {ends}"


def touching(links: Iterable[dict[str, Any]], refs: set[Ref]) -> list[dict[str, Any]]:
    """The links with an end among ``refs``, each with its ``why``."""
    return [
        {**link, "why": why(link)}
        for link in links
        if ref_of(link["left"]) in refs or ref_of(link["right"]) in refs
    ]


def fetch_links(es: Elasticsearch, index: str, alert_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Every link with an end in one of the alerts, newest first."""
    ids = list(alert_ids)
    if not ids:
        return []
    response = es.search(
        index=index,
        query=links_query(ids),
        size=MAX_LINKS,
        sort=[{"created_at": "desc"}],
        source_excludes=["indexed_at"],
    )
    return [hit["_source"] for hit in response["hits"]["hits"]]
