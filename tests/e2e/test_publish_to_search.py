"""Given two agencies in two countries, when they publish alerts about the same person,
then every alert is searchable with the right content and the cross-border link is on
its topic and in the index."""

from datetime import UTC, datetime, timedelta
from typing import Any

from borderlink import topics
from borderlink.serde import codec
from consumers import search_names
from producers import AlertPublisher
from tests.helpers import alert, consume_all, wait_for

N_PER_AGENCY = 10


def _alert(agency: str, country: str, person: dict[str, Any], i: int) -> dict[str, Any]:
    return alert(
        agency,
        country,
        datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=i),
        persons=[{"record_id": "p1", **person}],
    )


def test_alerts_flow_to_search_and_correlate(config, agencies, worker, sink, es, run_id) -> None:
    pa, co = agencies["PA"], agencies["CO"]
    marker = f"Zq{run_id}"  # a surname no other session uses
    alerts = [
        _alert(
            pa,
            "PA",
            {
                "given_names": f"Traveller{i}",
                "surnames": f"{marker} Uno",
                "date_of_birth": f"1990-01-{i + 1:02d}",
            },
            i,
        )
        for i in range(N_PER_AGENCY)
    ] + [
        _alert(
            co,
            "CO",
            {
                "full_name": f"{marker.upper()} UNO, Traveller{i}",
                "name_order": "SURNAME_FIRST",
                "date_of_birth": f"1990-01-{i + 1:02d}",
            },
            i,
        )
        for i in range(N_PER_AGENCY)
    ]
    for agency in (pa, co):
        with AlertPublisher(agency, config) as publisher:
            for alert in alerts:
                if alert["agency"] == agency:
                    publisher.publish(alert)
        assert publisher.report.delivered == N_PER_AGENCY

    alerts_index = f"{config.elasticsearch.index_prefix}-alerts"
    wanted = {a["alert_id"] for a in alerts}

    def indexed() -> dict[str, Any]:
        es.indices.refresh(index=alerts_index)
        hits = es.search(index=alerts_index, query={"ids": {"values": sorted(wanted)}}, size=100)[
            "hits"
        ]["hits"]
        return {h["_id"]: h["_source"] for h in hits} if len(hits) == len(wanted) else {}

    docs = wait_for(indexed, timeout_s=90, what="all alerts indexed")
    for alert in alerts:
        doc = docs[alert["alert_id"]]
        assert doc["agency"] == alert["agency"] and doc["country"] == alert["country"]
        assert doc["persons"][0]["record_id"] == "p1"

    # Search finds the Colombian record by the Panamanian spelling, and vice versa.
    hits = search_names(es, config.elasticsearch.index_prefix, f"traveller3 {marker} uno")
    assert {h.agency for h in hits[:2]} == {pa, co}

    # Each Panamanian person links to the Colombian record of the same person, cross-border.
    links = codec(config.registry, "Link")
    expected_pairs = N_PER_AGENCY

    def mine(messages: list[Any]) -> list[dict[str, Any]]:
        decoded = [links.decode(m.value(), topics.LINKS) for m in messages]
        return [d for d in decoded if str(d["left"]["alert_id"]) in wanted]

    # A pair sharing several blocking keys is scored under each: repeats carry one link id.
    def distinct(messages: list[Any]) -> int:
        return len({d["link_id"] for d in mine(messages)})

    found = mine(
        consume_all(config, topics.LINKS, lambda ms: distinct(ms) >= expected_pairs, timeout_s=90)
    )
    assert len({d["link_id"] for d in found}) == expected_pairs
    traveller = {a["alert_id"]: i % N_PER_AGENCY for i, a in enumerate(alerts)}
    for link in found:
        left, right = str(link["left"]["alert_id"]), str(link["right"]["alert_id"])
        assert link["cross_border"]
        assert {link["left"]["country"], link["right"]["country"]} == {"PA", "CO"}
        assert traveller[left] == traveller[right], "linked two different travellers"
        assert link["decision"] == "MATCH"
        assert link["explanation"][0]["field"] == "name"
