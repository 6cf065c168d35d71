"""Pure parts of investigator search: the name query, ranking by the resolver's name
comparison, link explanations, and timelines."""

from typing import Any

from consumers.search import EntityHit, why
from consumers.search.links import links_query, touching
from consumers.search.names import name_query, rank, similarity
from consumers.search.views import location, timeline


def _person(entity_id: str, *labels: str, score: float = 1.0) -> EntityHit:
    return EntityHit(
        entity_id=entity_id,
        kind="PERSON",
        status="ACTIVE",
        labels=list(labels),
        countries=["PA"],
        agencies=["pa.migracion"],
        cross_border=False,
        network_id="n1",
        members=[
            {
                "alert_id": f"alert-{entity_id}",
                "record_id": "p1",
                "agency": "pa.migracion",
                "country": "PA",
            }
        ],
        score=score,
    )


def _link(kind: str = "SAME_PERSON", decision: str = "MATCH") -> dict[str, Any]:
    return {
        "link_id": "l1",
        "kind": kind,
        "decision": decision,
        "score": 21.34,
        "left": {"alert_id": "a1", "record_id": "p1", "agency": "pa.migracion", "country": "PA"},
        "right": {"alert_id": "a2", "record_id": "p1", "agency": "co.uiaf", "country": "CO"},
        "cross_border": True,
        "explanation": [
            {"field": "name", "left": "x", "right": "y", "similarity": 0.97, "weight": 9.1},
            {"field": "date_of_birth", "left": "1", "right": "1", "similarity": 1.0, "weight": 6.0},
            {"field": "sex", "left": None, "right": None, "similarity": 0.0, "weight": 0.0},
        ],
        "created_at": "2026-11-03T10:00:00+00:00",
    }


def test_the_name_query_finds_current_persons_by_folded_fuzzy_tokens() -> None:
    query = name_query("  SOKOLOV, Дмитрий ")
    assert {"term": {"status": "ACTIVE"}} in query["bool"]["filter"]
    assert {"term": {"kind": "PERSON"}} in query["bool"]["filter"]
    fuzzy, every_token, same_tokens = query["bool"]["should"]
    assert fuzzy["match"]["search.names"] == {"query": "sokolov dmitriy", "fuzziness": "AUTO"}
    assert every_token["match"]["search.names"]["operator"] == "and"
    assert same_tokens["term"]["search.name_keys"]["value"] == "dmitriy sokolov"


def test_the_right_person_ranks_first_however_the_name_is_written() -> None:
    candidates = [
        _person("volkov", "Dmitri Volkov", score=9.0),
        _person("sokolova", "Sofia Sokolova", score=8.0),
        _person("sokolov", "Dmitriy Sokolov", "SOKOLOV, DMITRI", score=2.0),
    ]
    for written in ("Dmirti Sokolof", "Sokolov Dmitri", "Дмитрий Соколов", "Δημήτρης Σοκόλοφ"):
        ranked = rank(written, [*candidates])
        assert ranked[0].entity_id == "sokolov", written
        assert ranked[0].similarity is not None and ranked[0].similarity > 0.85


def test_a_query_that_is_no_name_ranks_by_elasticsearch_alone() -> None:
    assert similarity("!!!", ["Dmitri Volkov"]) == 0.0
    ranked = rank("???", [_person("b", "B", score=1.0), _person("a", "A", score=3.0)])
    assert [h.entity_id for h in ranked] == ["a", "b"]


def test_links_are_fetched_by_alert_and_kept_by_record() -> None:
    assert links_query(["a2", "a1", "a1"])["bool"]["should"][0] == {
        "terms": {"left.alert_id": ["a1", "a2"]}
    }
    other_record = {**_link(), "link_id": "l2", "left": {**_link()["left"], "record_id": "p2"}}
    other_record["right"] = {**other_record["right"], "alert_id": "a9"}
    kept = touching([_link(), other_record], {("a1", "p1")})
    assert [k["link_id"] for k in kept] == ["l1"]
    assert kept[0]["why"] == why(_link())


def test_why_names_the_evidence_and_the_agencies() -> None:
    assert why(_link()) == (
        "same person, match (score 21.3): name 0.97, date_of_birth 1.00"
        " — pa.migracion (PA) and co.uiaf (CO)"
    )
    shared = {
        **_link("SHARED_IDENTIFIER"),
        "explanation": [
            {
                "field": "phone",
                "left": "+50761234577",
                "right": "+50761234577",
                "similarity": 1.0,
                "weight": 0.0,
            }
        ],
    }
    assert why(shared).startswith("shared identifier, match: both hold phone +50761234577")


def _alert(alert_id: str, observed_at: str, **fields: Any) -> dict[str, Any]:
    return {
        "alert_id": alert_id,
        "agency": "pa.migracion",
        "country": "PA",
        "observed_at": observed_at,
        "event": {"kind": "BORDER_CROSSING", "location_ref": None, "direction": "ENTRY"},
        "marking": {
            "tlp": "AMBER",
            "releasable_to": [],
            "handling": None,
            "originator_control": True,
        },
        **fields,
    }


def test_a_timeline_is_oldest_first_with_where_each_sighting_happened() -> None:
    post = {
        "record_id": "l1",
        "kind": "BORDER_POST",
        "name": "Paso Canoas",
        "country": "PA",
        "lat": 8.53,
        "lon": -82.84,
    }
    later = _alert("b", "2026-11-05T10:00:00+00:00")
    earlier = _alert("a", "2026-11-03T08:00:00+00:00", locations=[post])
    sightings = timeline([later, earlier], {"a": ["p1"], "b": ["p2"]})
    assert [(s.alert_id, s.record_ids) for s in sightings] == [("a", ["p1"]), ("b", ["p2"])]
    assert sightings[0].location == {k: post[k] for k in ("name", "country", "lat", "lon", "kind")}
    assert sightings[1].location is None
    assert sightings[0].marking == {"tlp": "AMBER", "releasable_to": [], "handling": None}
    assert sightings[0].direction == "ENTRY"


def test_the_location_an_event_points_at_wins() -> None:
    named = {"record_id": "l1", "name": "Lethem"}
    placed = {"record_id": "l2", "name": "Bonfim", "lat": 3.36, "lon": -59.83}
    pointed = {"record_id": "l3", "name": "Georgetown"}
    alert = _alert("a", "2026-11-03T08:00:00+00:00", locations=[named, placed, pointed])
    assert location(alert)["name"] == "Bonfim"  # no pointer: the first one with coordinates
    alert["event"]["location_ref"] = "l3"
    assert location(alert)["name"] == "Georgetown"
