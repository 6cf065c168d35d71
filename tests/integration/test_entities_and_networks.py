"""Given a woman seen at a Panamanian border post and in a Colombian bank report, and her
phone in an ad, the worker resolves one person, builds one cross-border network, raises a
hit, and indexes them; an analyst's undo splits them again, and bad feedback is refused."""

from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch

from borderlink import topics
from borderlink.serde import codec
from producers import AlertPublisher
from producers.feedback import publish_feedback, undo_link
from tests.helpers import alert, consume_all, wait_for

DAY = datetime(2026, 11, 3, tzinfo=UTC)


def _decoded(config: Any, topic: str, record: str, until: Any, timeout_s: float = 90) -> list:
    decoder = codec(config.registry, record)
    found: list[dict[str, Any]] = []

    def done(messages: list) -> bool:
        found[:] = [decoder.decode(m.value(), topic) for m in messages]
        return until(found)

    consume_all(config, topic, done, timeout_s=timeout_s)
    return found


def _members(entity: dict[str, Any]) -> set[str]:
    return {str(m["alert_id"]) for m in entity["members"]}


def _latest(records: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for r in records:
        if r[key] not in latest or r["version"] > latest[r[key]]["version"]:
            latest[r[key]] = r
    return latest


def test_entities_networks_hits_and_an_undo(
    config, agencies, worker, sink, es: Elasticsearch, run_id
):
    pa, co = agencies["PA"], agencies["CO"]
    digits = str(int(run_id, 16) % 100_000).zfill(5)
    # Fresh per run, so nothing of other runs blocks with her (names hold no digits).
    surname = "Quin" + run_id[:4].translate(str.maketrans("0123456789", "ghijklmnop")).lower()
    border = alert(
        pa,
        "PA",
        DAY,
        persons=[
            {
                "record_id": "p1",
                "given_names": "Maria Jose",
                "surnames": f"{surname} Gomez",
                "date_of_birth": "1994-03-14",
            }
        ],
        phones=[{"record_id": "t1", "holder_ref": "p1", "number": f"6{digits[:3]}-{digits[3:]}77"}],
    )
    bank = alert(
        co,
        "CO",
        DAY,
        "SUSPICIOUS_TRANSACTION",
        persons=[
            {
                "record_id": "p1",
                "full_name": f"{surname.upper()} GÓMEZ, MARÍA JOSÉ",
                "name_order": "SURNAME_FIRST",
                "date_of_birth": "1994-03-14",
            }
        ],
        accounts=[{"record_id": "a1", "holder_ref": "p1", "account_number": f"77{digits}"}],
    )
    for agency, item in ((pa, border), (co, bank)):
        with AlertPublisher(agency, config) as publisher:
            publisher.publish(item)
    ours = {border["alert_id"], bank["alert_id"]}

    entities = _decoded(
        config,
        topics.ENTITIES,
        "Entity",
        lambda found: any(_members(e) == ours for e in found),
    )
    (person,) = [e for e in entities if _members(e) == ours]
    assert person["kind"] == "PERSON" and person["cross_border"]
    assert person["countries"] == ["CO", "PA"] and len(person["labels"]) == 2
    network_id = person["network_id"]

    hits = _decoded(
        config,
        topics.HITS,
        "CrossBorderHit",
        lambda found: any(h["network_id"] == network_id for h in found),
    )
    (hit,) = [h for h in hits if h["network_id"] == network_id]
    assert hit["countries"] == ["CO", "PA"] and hit["records"] == 4 and hit["link_id"]

    networks = _latest(
        _decoded(
            config,
            topics.NETWORKS,
            "Network",
            lambda found: any(n["network_id"] == network_id for n in found),
        ),
        "network_id",
    )
    network = networks[network_id]
    assert network["status"] == "ACTIVE" and network["records"] == 4
    assert sorted(e["kind"] for e in network["entities"]) == ["ACCOUNT", "PERSON", "PHONE"]
    assert sorted(e["relation"] for e in network["edges"]) == ["HOLDS", "HOLDS"]

    # Indexed for investigators, with the network it belongs to.
    entities_index = f"{config.elasticsearch.index_prefix}-entities"

    def indexed() -> dict[str, Any] | None:
        found = es.options(ignore_status=404).get(index=entities_index, id=person["entity_id"])
        return found.body if found.body.get("found") else None

    es_person = wait_for(indexed, what="the person entity in Elasticsearch")
    assert es_person["_source"]["network_id"] == network_id
    assert es_person["_version"] >= person["version"]

    # An analyst undoes the link: two people again, two networks, the link republished UNDONE.
    publish_feedback(
        undo_link(
            hit["link_id"],
            analyst="analyst-1",
            agency="co.fiscalia",
            reason="different mothers' names in the case file",
            case_ref=f"CASE-{run_id}",
        ),
        config,
    )
    publish_feedback(
        undo_link(f"no-such-link-{run_id}", analyst="analyst-1", agency="co.fiscalia", reason="x"),
        config,
    )
    undone = _decoded(
        config,
        topics.LINKS,
        "Link",
        lambda found: any(
            lk["link_id"] == hit["link_id"] and lk["decision"] == "UNDONE" for lk in found
        ),
    )
    assert any(lk["link_id"] == hit["link_id"] and lk["decision"] == "UNDONE" for lk in undone)

    def split(found: list[dict[str, Any]]) -> bool:
        latest = _latest(found, "entity_id")
        return (
            person["entity_id"] in latest
            and latest[person["entity_id"]]["version"] > person["version"]
        )

    after = _latest(_decoded(config, topics.ENTITIES, "Entity", split), "entity_id")
    people = [
        e
        for e in after.values()
        if e["status"] == "ACTIVE" and e["kind"] == "PERSON" and _members(e) & ours
    ]
    assert sorted(len(e["members"]) for e in people) == [1, 1]
    assert len({e["network_id"] for e in people}) == 2

    letters = _decoded(
        config,
        topics.dead_letter("feedback"),
        "DeadLetter",
        lambda found: any(f"no-such-link-{run_id}" in d["reason"] for d in found),
    )
    assert any(f"no link 'no-such-link-{run_id}'" in d["reason"] for d in letters)

    # Elasticsearch follows: the person's document now holds one record.
    wait_for(
        lambda: len(indexed()["_source"]["members"]) == 1, what="the split person in Elasticsearch"
    )
