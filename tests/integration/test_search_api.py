"""Given a man seen at a Panamanian border post and in a Colombian bank report (his name in
two spellings, one passport), when investigators use the search API, then misspelled,
reordered and transliterated names find him first, his phone and passport find him, his
network and timeline are right, a caller without an agency is refused, and every request
is on the audit topic and in the audit index."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from borderlink import topics
from borderlink.serde import codec
from producers import AlertPublisher
from tests.helpers import (
    alert,
    consume_all,
    place,
    resolved_person,
    run_surname,
    running_api,
    wait_for,
)

DAY = datetime(2026, 11, 3, 8, tzinfo=UTC)


@pytest.fixture(scope="module")
def api(
    client_env: dict[str, str], sink: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with running_api(client_env, tmp_path_factory.mktemp("api") / "api.log") as url:
        yield url


def _person(given: str, surnames: str, born: str) -> dict[str, Any]:
    return {"record_id": "p1", "given_names": given, "surnames": surnames, "date_of_birth": born}


def _passport(number: str, state: str) -> dict[str, Any]:
    return {
        "record_id": "d1",
        "holder_ref": "p1",
        "doc_type": "PASSPORT",
        "number": number,
        "issuing_state": state,
    }


def _alerts(pa: str, co: str, digits: str, surname: str) -> list[dict[str, Any]]:
    border = alert(
        pa,
        "PA",
        DAY,
        event={"kind": "BORDER_CROSSING", "location_ref": "l1", "direction": "ENTRY"},
        persons=[_person("Dmitriy", f"Sokolov {surname}", "1988-07-02")],
        documents=[_passport(f"75 {digits}", "RUS")],
        phones=[{"record_id": "t1", "holder_ref": "p1", "number": f"6{digits[:3]}-{digits[3:]}58"}],
        locations=[place("Paso Canoas", "PA", 8.53, -82.84, "BORDER_POST")],
    )
    bank = alert(
        co,
        "CO",
        DAY + timedelta(days=4),
        "SUSPICIOUS_TRANSACTION",
        persons=[
            {
                "record_id": "p1",
                "full_name": f"SOKOLOV {surname.upper()}, DMITRI",
                "name_order": "SURNAME_FIRST",
                "date_of_birth": "1988-07-02",
            }
        ],
        documents=[_passport(f"75{digits}", "RU")],
        accounts=[{"record_id": "a1", "holder_ref": "p1", "account_number": f"88{digits}"}],
        locations=[place("Bogotá", "CO", 4.71, -74.07)],
    )
    decoys = [  # near names, other people: ranking must put him first
        alert(agency, country, DAY, persons=[_person(given, f"{family} {surname}", born)])
        for agency, country, given, family, born in (
            (pa, "PA", "Dmitri", "Volkov", "1979-01-01"),
            (co, "CO", "Sofia", "Sokolova", "1992-05-05"),
        )
    ]
    return [border, bank, *decoys]


def _publish(config: Any, alerts: list[dict[str, Any]]) -> None:
    for agency in dict.fromkeys(a["agency"] for a in alerts):
        with AlertPublisher(agency, config) as publisher:
            for item in alerts:
                if item["agency"] == agency:
                    publisher.publish(item)


def test_search_api_on_the_real_stack(config, agencies, worker, sink, es, run_id, api) -> None:
    pa, co = agencies["PA"], agencies["CO"]
    digits = str(int(run_id, 16) % 100_000).zfill(5)
    surname = run_surname(run_id)
    border, bank, *_ = alerts = _alerts(pa, co, digits, surname)
    _publish(config, alerts)
    prefix = config.elasticsearch.index_prefix
    person = wait_for(
        lambda: resolved_person(es, prefix, border["alert_id"], agency=agencies["CO_API"]),
        timeout_s=120,
        what="his entity and network",
    )
    caller = {
        "X-Borderlink-Agency": agencies["CO_API"],  # not the console test's caller
        "X-Borderlink-User": "jdoe",
        "X-Borderlink-Case": f"CASE-{run_id}",
    }
    http = httpx.Client(base_url=api, headers=caller, timeout=30)

    typo = surname[:3] + surname[4] + surname[3] + surname[5:]  # two letters swapped
    for written in (
        f"Dmirti Sokolof {typo}",
        f"{surname} Sokolov Dmitriy",
        f"Дмитрий Соколов {run_surname(run_id, cyrillic=True)}",
    ):
        response = http.get("/api/search", params={"q": written})
        assert response.status_code == 200, response.text
        first = response.json()["results"][0]
        assert first["entity_id"] == person["entity_id"], (written, response.json()["results"])
        assert first["countries"] == ["CO", "PA"] and first["similarity"] > 0.85
        assert any(
            link["kind"] == "SAME_PERSON" and link["cross_border"] for link in first["links"]
        )
        assert all(link["why"] for link in first["links"])

    phone = http.get(
        "/api/lookup", params={"kind": "phone", "value": f"+507 6{digits[:3]} {digits[3:]}58"}
    ).json()
    assert phone["key"] == f"phone:+5076{digits}58"
    assert [s["alert_id"] for s in phone["sightings"]] == [border["alert_id"]]
    assert phone["entities"][0]["entity_id"] == person["entity_id"]
    passport = http.get(
        "/api/lookup", params={"kind": "document", "value": f"75-{digits}", "country": "RU"}
    ).json()
    assert [s["country"] for s in passport["sightings"]] == ["PA", "CO"]
    assert {e["kind"] for e in passport["entities"]} == {"PERSON", "DOCUMENT"}
    assert passport["entities"][0]["entity_id"] == person["entity_id"]

    network = http.get(f"/api/entities/{person['entity_id']}/network").json()
    kinds = sorted(e["kind"] for e in network["network"]["entities"])
    assert kinds == ["ACCOUNT", "DOCUMENT", "PERSON", "PHONE"]
    assert sorted(e["relation"] for e in network["network"]["edges"]) == ["HOLDS"] * 3
    assert network["network"]["countries"] == ["CO", "PA"]
    assert any(hit["countries"] == ["CO", "PA"] for hit in network["hits"])

    sightings = http.get(f"/api/entities/{person['entity_id']}/timeline").json()["sightings"]
    assert [(s["alert_id"], s["country"], s["event"]) for s in sightings] == [
        (border["alert_id"], "PA", "BORDER_CROSSING"),
        (bank["alert_id"], "CO", "SUSPICIOUS_TRANSACTION"),
    ]
    assert (
        sightings[0]["location"]["name"] == "Paso Canoas"
        and sightings[0]["location"]["lat"] == 8.53
    )
    assert sightings[0]["agency"] == pa and sightings[1]["location"]["name"] == "Bogotá"

    refused = httpx.get(f"{api}/api/search", params={"q": f"nobody-{run_id}"})
    assert refused.status_code == 400 and "X-Borderlink-Agency" in refused.json()["detail"]
    # An agency no sharing agreement names has no view, so nothing to search in.
    outsider = {**caller, "X-Borderlink-Agency": f"ve.saime-{run_id}"}
    barred = httpx.get(f"{api}/api/search", params={"q": "ferreira"}, headers=outsider)
    assert barred.status_code == 403 and "no view" in barred.json()["detail"]

    # Every request is on the audit topic, with who, what and why.
    decoder = codec(config.registry, "AuditEvent")
    ours: list[dict[str, Any]] = []

    def audited(messages: list) -> bool:
        records = [decoder.decode(m.value(), topics.AUDIT) for m in messages]
        mine = (caller["X-Borderlink-Agency"], "")
        ours[:] = [r for r in records if r["agency"] in mine and run_id in r["agency"] + r["query"]]
        return len(ours) >= 8

    consume_all(config, topics.AUDIT, audited, timeout_s=60)
    expected = ["SEARCH"] * 3 + ["LOOKUP"] * 2 + ["VIEW_NETWORK", "TIMELINE", "OTHER"]
    assert sorted(r["action"] for r in ours) == sorted(expected)
    served = [r for r in ours if r["status"] == 200]
    assert {(r["user"], r["case_ref"]) for r in served} == {("jdoe", f"CASE-{run_id}")}
    (refusal,) = [r for r in ours if r["status"] == 400]
    assert refusal["agency"] == "" and refusal["query"] == f"q=nobody-{run_id}"

    # ... and indexed for oversight.
    def indexed() -> int:
        es.indices.refresh(index=f"{prefix}-audit")
        return es.count(
            index=f"{prefix}-audit", query={"term": {"agency": caller["X-Borderlink-Agency"]}}
        )["count"]

    assert wait_for(lambda: indexed() == 7, timeout_s=60, what="audit records indexed")
