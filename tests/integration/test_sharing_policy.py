"""Given the session's agreements (tests/integration/policy: a bulletin among PA, CO and TT up
to AMBER; casework between PA and CO only, up to RED, need to know), the policy stage
releases each alert and result only where its marking allows, withholds marked fields, and
revokes a retracted alert from everyone who received it. Adversarial: TT, outside the
casework, never receives restricted data on its topic or in its Elasticsearch view."""

from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch

from borderlink import topics
from borderlink.serde import codec
from producers import AlertPublisher
from tests.helpers import alert, consume_all, wait_for

DAY = datetime(2026, 11, 12, tzinfo=UTC)


def _letters(run_id: str) -> str:
    return run_id.translate(str.maketrans("0123456789", "ghijklmnop")).lower()


def _shares(config: Any, agency: str, until: Any, timeout_s: float = 120) -> list[dict]:
    """Every Share on the agency's topic since the session began (raw bytes kept too)."""
    topic = topics.outbound(agency, "shared")
    decoder = codec(config.registry, "Share")
    found: list[dict[str, Any]] = []

    def done(messages: list) -> bool:
        found[:] = [{**decoder.decode(m.value(), topic), "_raw": m.value()} for m in messages]
        return until(found)

    consume_all(config, topic, done, timeout_s=timeout_s)
    return found


def _has(kind: str, subject: str) -> Any:
    return lambda shares: any(s["kind"] == kind and s["subject_id"] == subject for s in shares)


def _in_network(alert_id: str) -> Any:
    """A network shared whose entities include one shared with a record of the alert
    (a network names its entities; their records are on the entities' own copies)."""

    def found(shares: list[dict]) -> bool:
        holding = {
            s["entity"]["entity_id"]
            for s in shares
            if s["kind"] == "ENTITY"
            and s["entity"]
            and alert_id in {str(m["alert_id"]) for m in s["entity"]["members"]}
        }
        return any(
            holding & {e["entity_id"] for e in s["network"]["entities"]}
            for s in shares
            if s["kind"] == "NETWORK" and s["network"]
        )

    return found


def _latest(shares: list[dict], kind: str, subject: str) -> dict:
    mine = [s for s in shares if s["kind"] == kind and s["subject_id"] == subject]
    return max(mine, key=lambda s: s["version"])


def test_releases_follow_markings_and_agreements(
    config, agencies, worker, sink, es: Elasticsearch, run_id
):
    pa, co, tt = agencies["PA"], agencies["CO"], agencies["TT"]
    tag = _letters(run_id)
    # Planted values: each appears in exactly one alert, so finding it says what leaked.
    bulletin_name, strict_surname, red_surname = f"Bolivar {tag}", f"Strict{tag}", f"Rojo{tag}"
    # CO's report names the same person, so what only PA's strict alert holds is the alias
    # and the phone.
    strict_alias = f"La Sombra {tag}"
    address, shelter = f"Calle {tag} 12", f"Casa Refugio {tag}"
    strict_phone = "+507 6" + str(int(run_id, 16) % 10_000_000).zfill(7)

    bulletin = alert(
        pa,
        "PA",
        DAY,
        marking={
            "tlp": "AMBER",
            "fields": [
                {
                    "field": "locations[kind=ADDRESS]",
                    "releasable_to": ["POLICE"],
                    "reason": "police only",
                }
            ],
        },
        persons=[{"record_id": "p1", "full_name": bulletin_name, "date_of_birth": "1980-01-02"}],
        locations=[
            {"record_id": "l1", "kind": "ADDRESS", "name": address, "country": "PA"},
            {"record_id": "l2", "kind": "SHELTER", "name": shelter, "country": "PA"},
        ],
    )
    person = {"given_names": "Lucia Fernanda", "surnames": f"{strict_surname} Mora"}
    strict = alert(
        pa,
        "PA",
        DAY,
        marking={"tlp": "AMBER_STRICT"},
        persons=[
            {"record_id": "p1", **person, "date_of_birth": "1991-07-30", "aliases": [strict_alias]}
        ],
        phones=[{"record_id": "t1", "holder_ref": "p1", "number": strict_phone}],
    )
    report = alert(
        co,
        "CO",
        DAY,
        "SUSPICIOUS_TRANSACTION",
        marking={"tlp": "AMBER"},
        persons=[{"record_id": "p1", **person, "date_of_birth": "1991-07-30"}],
    )
    # RED, naming TT: no agreement with TT admits RED, so naming it is not enough.
    red = alert(
        pa,
        "PA",
        DAY,
        marking={"tlp": "RED", "releasable_to": [tt]},
        persons=[{"record_id": "p1", "full_name": f"Pedro {red_surname}", "date_of_birth": "1970"}],
    )
    with AlertPublisher(pa, config) as publisher:
        for a in (bulletin, strict, red):
            publisher.publish(a)
    with AlertPublisher(co, config) as publisher:
        publisher.publish(report)
    ids = {
        k: str(a["alert_id"])
        for k, a in {"b": bulletin, "s": strict, "c": report, "r": red}.items()
    }

    # CO is involved with the strict alert through its own report: casework releases it.
    co_shares = _shares(config, co, _has("ALERT", ids["s"]))
    strict_to_co = _latest(co_shares, "ALERT", ids["s"])
    assert strict_to_co["sources"][0]["agreement"] == "test-casework@1"
    assert (
        strict_to_co["sources"][0]["grading"]
        and strict_to_co["sources"][0]["tlp"] == "AMBER_STRICT"
    )
    links = [s for s in co_shares if s["kind"] == "LINK" and s["link"]]
    assert any(
        {str(s["link"]["left"]["alert_id"]), str(s["link"]["right"]["alert_id"])}
        == {ids["s"], ids["c"]}
        for s in links
    )
    # CO, a financial-intelligence unit, gets the bulletin without the police-only address.
    bulletin_to_co = _latest(co_shares, "ALERT", ids["b"])
    assert bulletin_to_co["alert"]["locations"] == []
    assert {w["field"] for w in bulletin_to_co["withheld"]} == {
        "locations[kind=ADDRESS]",
        "locations[kind=SHELTER]",
    }

    # TT: the bulletin with its address (police) but never the shelter; CO's report; the
    # entity of the strict person cut to CO's record, without names.
    tt_shares = _shares(
        config,
        tt,
        lambda s: all(
            check(s)
            for check in (_has("ALERT", ids["b"]), _has("ALERT", ids["c"]), _in_network(ids["c"]))
        ),
    )
    bulletin_to_tt = _latest(tt_shares, "ALERT", ids["b"])
    assert [loc["name"] for loc in bulletin_to_tt["alert"]["locations"]] == [address]
    assert [w["field"] for w in bulletin_to_tt["withheld"]] == ["locations[kind=SHELTER]"]
    assert bulletin_to_tt["sources"][0]["agreement"] == "test-bulletin@1"
    entities = [s for s in tt_shares if s["kind"] == "ENTITY" and s["entity"]]
    theirs = [
        e for e in entities if ids["c"] in {str(m["alert_id"]) for m in e["entity"]["members"]}
    ]
    assert theirs, "TT received no entity of CO's report"
    for share in theirs:
        assert {str(m["alert_id"]) for m in share["entity"]["members"]} == {ids["c"]}
    assert _in_network(ids["c"])(tt_shares), "TT received no network of CO's report"
    # Nothing restricted, by id or by content, in anything TT received.
    assert not {s["subject_id"] for s in tt_shares} & {ids["s"], ids["r"]}
    digits = strict_phone.replace("+", "").replace(" ", "")
    for share in tt_shares:
        raw = share["_raw"].decode("latin-1")
        for secret in (strict_alias, red_surname, shelter, digits):
            assert secret not in raw, (
                f"{secret!r} leaked to TT in {share['kind']} {share['subject_id']}"
            )
    assert not any(
        s["kind"] == "LINK"
        and s["link"]
        and ids["s"] in (str(s["link"]["left"]["alert_id"]), str(s["link"]["right"]["alert_id"]))
        for s in tt_shares
    )

    # The same holds in TT's Elasticsearch view, which does hold the bulletin.
    prefix = config.elasticsearch.index_prefix
    tt_view, co_view = f"{prefix}-view-{tt}-*", f"{prefix}-view-{co}-*"  # every kind

    def count(view: str, text: str) -> int:
        es.indices.refresh(index=f"{prefix}-shared-*")
        query = {"query_string": {"query": f'"{text}"', "default_field": "*"}}
        found = es.options(ignore_status=404).count(index=view, query=query)
        return found.get("count", 0)  # 404: the sink has not created the view yet

    wait_for(
        lambda: count(tt_view, bulletin_name) > 0, timeout_s=90, what="the bulletin in TT's view"
    )
    for secret in (strict_alias, red_surname, shelter):
        assert count(tt_view, secret) == 0, f"{secret!r} found in TT's view"
    wait_for(
        lambda: count(co_view, strict_alias) > 0,
        timeout_s=90,
        what="the strict alert in CO's view",
    )
    assert count(co_view, red_surname) == 0  # RED names TT only; CO is not named

    # Every share of PA's data is audited: to whom, under which agreement.
    def audited() -> list[dict]:
        es.indices.refresh(index=f"{prefix}-audit")
        query = {
            "bool": {
                "filter": [
                    {"term": {"action": "SHARE"}},
                    {"term": {"agency": pa}},
                    {"term": {"recipient": co}},
                    {"term": {"subjects": ids["s"]}},
                ]
            }
        }
        return [
            h["_source"]
            for h in es.search(index=f"{prefix}-audit", query=query, size=50)["hits"]["hits"]
        ]

    found = wait_for(audited, timeout_s=90, what="the audit record of the casework share")
    assert {a["agreement"] for a in found} == {"test-casework@1"}

    # PA retracts the bulletin: everyone who received it is told, and the views drop it.
    retraction = alert(pa, "PA", DAY, "RETRACTION")
    retraction["event"] = {"kind": "RETRACTION", "retracts_alert_id": ids["b"]}
    with AlertPublisher(pa, config) as publisher:
        publisher.publish(retraction)
    for agency in (tt, co):
        shares = _shares(
            config, agency, lambda s: any(x["subject_id"] == ids["b"] and x["revoked"] for x in s)
        )
        revoked = _latest(shares, "ALERT", ids["b"])
        assert revoked["revoked"] and revoked["alert"] is None
    wait_for(
        lambda: count(tt_view, bulletin_name) == 0,
        timeout_s=90,
        what="the bulletin gone from TT's view",
    )
