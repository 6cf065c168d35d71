"""Subscriptions without a stack: definitions, their queries, the documents they read (an
agency's shares), how hits become matches for the recipient's analysts only, delivery before
commit, and the tail's filters and lines."""

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from consumers.subscriptions import matcher as matcher_module
from consumers.subscriptions.matcher import SubscriptionMatcher, delivery_audit, match_record
from consumers.subscriptions.percolate import Hit, StoredPercolator, split_named
from consumers.subscriptions.records import from_alert, from_entity, from_link, from_share
from consumers.subscriptions.rules import (
    SubscriptionInvalid,
    match_id,
    new_subscription,
    problems,
    reasons,
    rule_query,
    watch_key,
)
from consumers.subscriptions.settings import MatcherSettings
from consumers.subscriptions.tail import (
    Line,
    TailFilter,
    render,
    view,
)

AT = datetime(2026, 11, 5, 10, 30, tzinfo=UTC)
PHONE = "phone:+50761234567"


def _sub(**rules: Any) -> dict[str, Any]:
    return new_subscription(analyst="jdoe", agency="co.fiscalia", **rules)


def _filters(query: dict[str, Any]) -> list[dict[str, Any]]:
    return query["bool"]["filter"]


def _named(node: Any) -> list[str]:
    """Every clause name in a query, depth first."""
    if isinstance(node, list):
        return [n for item in node for n in _named(item)]
    if not isinstance(node, dict):
        return []
    own = [node["_name"]] if isinstance(node.get("_name"), str) else []
    return own + [n for key, value in node.items() if key != "_name" for n in _named(value)]


# -- definitions ---------------------------------------------------------------------------


def test_what_the_analyst_typed_becomes_a_normalised_definition() -> None:
    sub = _sub(
        countries=["pan", "CO"],
        kinds=["person"],
        names=["  María Péres "],
        identifiers=["phone:PA:6123-4567", "document:pa:ab 123456"],
        min_decision="possible_match",
    )
    assert sub["topic"] == "sub.jdoe"
    assert sub["countries"] == ["PA", "CO"] and sub["kinds"] == ["PERSON"]
    assert sub["names"] == ["María Péres"]  # kept as typed; folded in the query
    assert sub["identifiers"] == [PHONE, "document:PA:AB123456"]
    assert sub["min_decision"] == "POSSIBLE_MATCH" and problems(sub) == []


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("phone:+507 6123-4567", PHONE),
        ("phone:PA:6123-4567", PHONE),
        ("document:PAN:ab-123456", "document:PA:AB123456"),
        ("account:CO:BCOLCOBM:0123456789", "account:CO:0123456789"),  # the bank is dropped
        ("account:IBAN:GB82 WEST 1234 5698 7654 32", "account:IBAN:GB82WEST12345698765432"),
        ("handle:telegram:@Maria_P", "handle:telegram:maria_p"),
        ("email:Maria@Example.com", "email:maria@example.com"),
    ],
)
def test_watched_identifiers_are_keyed_as_the_worker_keys_them(typed: str, key: str) -> None:
    assert watch_key(typed) == key
    assert watch_key(key) == key  # a key is its own watch key: definitions can be re-checked


def test_a_definition_is_refused_with_every_problem() -> None:
    with pytest.raises(SubscriptionInvalid) as refused:
        new_subscription(
            analyst="J_Doe",
            agency="fiscalia",
            countries=["Atlantis"],
            identifiers=["phone:12", "fax:123"],
            min_decision="UNDONE",
        )
    text = " | ".join(refused.value.problems)
    for expected in ("analyst id 'J_Doe'", "agency 'fiscalia'", "Atlantis", "phone:12", "fax"):
        assert expected in text
    assert "min_decision 'UNDONE'" in text


def test_a_definition_without_any_rule_is_refused() -> None:
    with pytest.raises(SubscriptionInvalid, match="no rule"):
        _sub()


def test_a_decoded_definition_with_a_foreign_key_format_is_a_problem() -> None:
    sub = {**_sub(countries=["PA"]), "identifiers": ["phone:6123-4567"], "topic": "sub.other"}
    found = problems(sub)
    assert any("topic 'sub.other'" in p for p in found)
    assert any("phone:6123-4567" in p for p in found)


# -- rule -> query -------------------------------------------------------------------------


def test_each_rule_field_is_one_filter_and_each_value_a_named_clause() -> None:
    sub = _sub(
        countries=["PA", "CO"],
        kinds=["PERSON"],
        names=["María Péres"],
        identifiers=[PHONE],
        min_score=8.5,
        min_decision="MATCH",
        cross_border_only=True,
    )
    query = rule_query(sub)
    countries, kinds, watched, score, decision, border = _filters(query)
    assert countries["bool"]["minimum_should_match"] == 1
    assert [c["term"]["record.countries"]["value"] for c in countries["bool"]["should"]] == [
        "PA",
        "CO",
    ]
    assert kinds["bool"]["should"] == [
        {"term": {"record.kinds": {"value": "PERSON", "_name": "kinds:PERSON"}}}
    ]
    # Names and identifiers are one watch list: either may match.
    name, identifier = watched["bool"]["should"]
    interval = name["intervals"]["record.search.names"]
    assert interval["_name"] == "names:María Péres"
    assert [w["fuzzy"]["term"] for w in interval["all_of"]["intervals"]] == ["maria", "peres"]
    assert interval["all_of"]["ordered"] is False
    assert identifier == {
        "term": {"record.identifiers": {"value": PHONE, "_name": f"identifiers:{PHONE}"}}
    }
    assert score == {"range": {"record.score": {"gte": 8.5, "_name": "min_score:8.5"}}}
    assert decision == {"terms": {"record.decision": ["MATCH"], "_name": "min_decision:MATCH"}}
    assert border["term"]["record.cross_border"]["value"] is True
    assert "_name" not in query["bool"]  # stored alone in the percolator: no name needed


def test_rules_left_empty_add_no_filter() -> None:
    (only,) = _filters(rule_query(_sub(min_decision="POSSIBLE_MATCH")))
    assert only["terms"]["record.decision"] == ["MATCH", "POSSIBLE_MATCH"]


def test_a_named_query_prefixes_its_clauses_so_one_search_can_run_many() -> None:
    query = rule_query(_sub(countries=["PA"], names=["ana"]), name="s1")
    assert query["bool"]["_name"] == "s1"
    assert sorted(_named(query)) == ["s1", "s1|countries:PA", "s1|names:ana"]


def test_matched_clause_names_become_reasons() -> None:
    names = ["countries:PA", f"identifiers:{PHONE}", "names:maria peres", "countries:PA", "x"]
    assert reasons(names) == [
        {"rule": "countries", "value": "PA"},
        {"rule": "identifiers", "value": PHONE},
        {"rule": "names", "value": "maria peres"},
    ]


# -- documents -----------------------------------------------------------------------------


def _alert(**fields: Any) -> dict[str, Any]:
    return {"alert_id": "a1", "agency": "pa.migracion", "country": "PA", "event": {}, **fields}


def test_an_alert_reads_as_its_kinds_keys_and_folded_names() -> None:
    found = from_alert(
        _alert(
            persons=[{"record_id": "p1", "full_name": "PÉREZ GÓMEZ, María José"}],
            phones=[{"record_id": "t1", "holder_ref": "p1", "number": "6123-4567"}],
            accounts=[
                {
                    "record_id": "c1",
                    "account_number": "0123456789",
                    "bic": "BCOLCOBMXXX",
                    "country": "CO",
                }
            ],
        )
    )
    assert found is not None and found.source == "ALERT" and found.record_id == "a1"
    record = found.fields
    assert record["kinds"] == ["ACCOUNT", "PERSON", "PHONE"] and record["countries"] == ["PA"]
    assert record["search"]["names"] == ["perez gomez maria jose"]  # as the sink indexes it
    assert record["identifiers"] == [
        PHONE,
        "account:CO:BCOLCOBM:0123456789",
        "account:CO:0123456789",  # also found by a watch list that does not know the bank
    ]
    assert record["cross_border"] is False and "score" not in record
    assert found.labels == ["PÉREZ GÓMEZ, María José", "6123-4567", "0123456789"]


def test_a_retraction_matches_nothing() -> None:
    retraction = _alert(event={"kind": "RETRACTION", "retracts_alert_id": "a0"})
    assert from_alert(retraction) is None


def _entity(kind: str, labels: list[str], **fields: Any) -> dict[str, Any]:
    return {
        "entity_id": "e1",
        "kind": kind,
        "status": "ACTIVE",
        "labels": labels,
        "countries": ["CO", "PA"],
        "cross_border": True,
        "version": 3,
        **fields,
    }


def test_an_identifier_entity_is_keyed_from_its_labels_in_each_of_its_countries() -> None:
    found = from_entity(_entity("PHONE", ["6123-4567", "+507 6123 4567"]))
    assert found is not None and found.version == 3 and found.revision == "3"
    # "6123-4567" is no Colombian number; read in Panama it is the same phone.
    assert found.fields["identifiers"] == [PHONE]
    document = from_entity(_entity("DOCUMENT", ["PA AB123456"]))
    assert document is not None and document.fields["identifiers"] == ["document:PA:AB123456"]


def test_a_person_entity_reads_as_its_folded_names_and_retired_ids_as_nothing() -> None:
    person = from_entity(_entity("PERSON", ["María Pérez", "PEREZ, MARIA"]))
    assert person is not None
    assert person.fields["search"]["names"] == ["maria perez", "perez maria"]
    assert person.fields["decision"] == "MATCH" and person.fields["identifiers"] == []
    assert from_entity(_entity("PERSON", ["x"], status="RETIRED")) is None


def _link(kind: str, explanation: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    end = {"alert_id": "a1", "record_id": "p1", "agency": "pa.migracion", "country": "PA"}
    return {
        "link_id": "l1",
        "kind": kind,
        "decision": "MATCH",
        "score": 14.2,
        "left": end,
        "right": {**end, "alert_id": "a2", "country": "CO"},
        "cross_border": True,
        "explanation": explanation,
        **fields,
    }


def _compared(field: str, left: str | None, right: str | None) -> dict[str, Any]:
    return {"field": field, "left": left, "right": right, "similarity": 1.0, "weight": 3.0}


def test_a_person_link_reads_as_the_names_and_identifiers_it_compared() -> None:
    found = from_link(
        _link(
            "SAME_PERSON",
            [
                _compared("name", "PÉREZ, maría", "PEREZ GOMEZ, maria"),
                _compared("phones", "+50761234567; +50761234568", "+50761234567"),
                _compared("documents", None, "PA:AB123456"),
            ],
        )
    )
    record = found.fields
    assert record["kinds"] == ["PERSON"] and record["countries"] == ["CO", "PA"]
    assert record["search"]["names"] == ["perez maria", "perez gomez maria"]
    assert record["identifiers"] == [PHONE, "phone:+50761234568", "document:PA:AB123456"]
    assert record["score"] == 14.2 and record["decision"] == "MATCH"
    assert found.revision == "MATCH"  # re-sent UNDONE, it is a new match


def test_a_shared_identifier_link_reads_as_the_key_and_its_kind() -> None:
    found = from_link(
        _link("SHARED_IDENTIFIER", [_compared("phone", "+50761234567", "+50761234567")])
    )
    assert found.fields["kinds"] == ["PHONE"] and found.fields["identifiers"] == [PHONE]
    assert found.labels == ["+50761234567"]


def test_a_score_that_is_not_a_number_is_left_out_rather_than_failing_the_request() -> None:
    found = from_link(_link("SAME_PERSON", [], score=math.nan))
    assert "score" not in found.fields


def _share(kind: str, payload: dict[str, Any] | None, **fields: Any) -> dict[str, Any]:
    """A Share as the policy stage sends it to co.fiscalia."""
    share = {"recipient": "co.fiscalia", "kind": kind, "subject_id": "x1", "version": 2}
    share |= {"revoked": payload is None, "alert": None, "link": None, "entity": None}
    return share | {"network": None, "hit": None, kind.lower(): payload, **fields}


def test_a_share_reads_as_its_recipients_copy_revised_by_the_share_version() -> None:
    payload = _alert(persons=[{"record_id": "p1", "full_name": "Ana"}])
    alert, record = from_share(_share("ALERT", payload)), from_alert(payload)
    assert alert is not None and record is not None and alert.recipient == "co.fiscalia"
    assert alert.document == record.document and alert.record_id == "a1"
    # An alert has no version of its own: the share's, which grows with each changed copy.
    assert alert.revision == "2" and alert.version == 2
    entity = from_share(_share("ENTITY", _entity("PERSON", ["Ana"]), version=5))
    assert entity is not None and entity.version == 3 and entity.revision == "5"
    link = from_share(_share("LINK", _link("SAME_PERSON", [_compared("name", "Ana", "Ana")])))
    assert link is not None and link.revision == "2" and link.fields["decision"] == "MATCH"


def test_revocations_networks_and_hits_are_shares_with_nothing_to_match() -> None:
    assert from_share(_share("ALERT", None, reason="alert retracted by its agency")) is None
    assert from_share(_share("NETWORK", {"network_id": "n1"})) is None
    assert from_share(_share("HIT", {"hit_id": "h1"})) is None
    retired = _entity("PERSON", ["Ana"], status="RETIRED")
    assert from_share(_share("ENTITY", retired)) is None


# -- hits -> matches -----------------------------------------------------------------------


class FakeSearch:
    def __init__(self, response: dict[str, Any]) -> None:
        self.response, self.requests = response, []

    def search(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        return self.response


def test_one_percolate_request_answers_for_many_documents_and_subscriptions() -> None:
    es = FakeSearch(
        {
            "hits": {
                "total": {"value": 2},
                "hits": [
                    {
                        "_id": "s1",
                        "fields": {
                            "_percolator_document_slot": [0, 2],
                            "_percolator_document_slot_0_matched_queries": ["countries:PA"],
                            "_percolator_document_slot_2_matched_queries": ["names:ana"],
                        },
                    },
                    {"_id": "s2", "fields": {"_percolator_document_slot": [1]}},
                ],
            }
        }
    )
    documents = [{"record": {"countries": [c]}} for c in ("PA", "CO", "PA")]
    hits = StoredPercolator(es, "acme-subscriptions").percolate(documents, {"s1": {}, "s2": {}})
    assert hits == [Hit(0, "s1", ["countries:PA"]), Hit(2, "s1", ["names:ana"]), Hit(1, "s2", [])]
    (request,) = es.requests
    assert request["query"] == {"percolate": {"field": "rule_query", "documents": documents}}


def test_a_batch_search_hit_is_split_by_the_subscriptions_named_in_it() -> None:
    names = ["s1", "s1|countries:PA", "s2|names:ana", "s3", "s3|kinds:PERSON"]
    # s2's clause matched, but s2 as a whole did not: no hit for s2.
    assert split_named(4, names, {"s1": {}, "s2": {}, "s3": {}}) == [
        Hit(4, "s1", ["countries:PA"]),
        Hit(4, "s3", ["kinds:PERSON"]),
    ]


def test_match_ids_are_deterministic_per_subscription_record_and_version() -> None:
    assert match_id("s1", "ENTITY", "e1", "3") == match_id("s1", "ENTITY", "e1", "3")
    assert match_id("s1", "ENTITY", "e1", "3") != match_id("s1", "ENTITY", "e1", "4")
    assert match_id("s1", "ENTITY", "e1", "3") != match_id("s2", "ENTITY", "e1", "3")


def test_a_match_says_what_matched_and_why_and_its_delivery_is_audited() -> None:
    sub = _sub(countries=["PA"], case_ref="CO-2026-114")
    person = from_entity(_entity("PERSON", ["María Pérez"]))
    match = match_record(sub, person, ["countries:PA"])
    assert match["source"] == "ENTITY" and match["record_id"] == "e1" and match["version"] == 3
    assert match["kinds"] == ["PERSON"] and match["labels"] == ["María Pérez"]
    assert match["reasons"] == [{"rule": "countries", "value": "PA"}]
    assert match["score"] is None and match["decision"] is None  # links only
    audit = delivery_audit(sub, match)
    assert audit["action"] == "SUBSCRIPTION_DELIVERY" and audit["user"] == "jdoe"
    assert audit["agency"] == "co.fiscalia" and audit["case_ref"] == "CO-2026-114"
    assert f"match={match['match_id']}" in audit["query"] and "record=ENTITY:e1" in audit["query"]
    # A replayed delivery has the same audit id: the sink refuses it, the first record stands.
    assert audit == delivery_audit(sub, match)


# -- delivery before commit ----------------------------------------------------------------


class FakeMessage:
    def __init__(self, topic: str, value: Any, offset: int = 0, key: str = "k") -> None:
        self._topic, self._value, self._offset, self._key = topic, value, offset, key

    def topic(self) -> str:
        return self._topic

    def value(self) -> Any:
        return self._value

    def key(self) -> bytes:
        return self._key.encode()

    def partition(self) -> int:
        return 0

    def offset(self) -> int:
        return self._offset

    def error(self) -> None:
        return None


class FakeCodec:
    """Records travel as themselves."""

    def encode(self, record: dict[str, Any], topic: str) -> dict[str, Any]:
        return record

    def decode(self, value: Any, topic: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValueError("not Avro")
        return value


class FakeConsumer:
    def __init__(self, messages: list[FakeMessage]) -> None:
        self.messages, self.commits = messages, 0

    def consume(self, num_messages: int, timeout: float) -> list[FakeMessage]:
        batch, self.messages = self.messages, []
        return batch

    def commit(self, asynchronous: bool) -> None:
        self.commits += 1


class BrokerDown:
    def str(self) -> str:  # KafkaError's spelling
        return "broker down"


class FakeProducer:
    def __init__(self, fails: bool = False) -> None:
        self.fails, self.produced, self.reports = fails, [], []

    def produce(self, topic: str, key: bytes, value: Any, on_delivery: Any) -> None:
        self.produced.append((topic, value))
        self.reports.append(on_delivery)

    def flush(self, timeout: float) -> int:
        for report in self.reports:
            report(BrokerDown() if self.fails else None, FakeMessage("sub.jdoe", None))
        self.reports = []
        return 0


class FakePercolator:
    """Stored queries: every one of them runs (not only those asked for) and matches every
    document, on its countries."""

    def __init__(self, stored: dict[str, dict[str, Any]]) -> None:
        self.stored, self.requests = stored, 0

    def percolate(self, documents: list[dict[str, Any]], subscriptions: dict) -> list[Hit]:
        self.requests += 1
        return [
            Hit(slot, sid, [f"countries:{c}" for c in doc["record"]["countries"]])
            for slot, doc in enumerate(documents)
            for sid in self.stored
        ]


SHARED_TOPIC = "out.co.fiscalia.shared"


@pytest.fixture
def matcher(monkeypatch: pytest.MonkeyPatch) -> SubscriptionMatcher:
    monkeypatch.setattr(matcher_module, "codec", lambda registry, name: FakeCodec())
    monkeypatch.setattr(matcher_module, "AdminClient", lambda conf: None)
    built = SubscriptionMatcher(matcher_config=MatcherSettings())
    built.percolator = FakePercolator(built.active)
    sub = _sub(countries=["PA"])
    built.active[sub["subscription_id"]] = sub
    return built


def _shared(offset: int = 0, **fields: Any) -> FakeMessage:
    return FakeMessage(SHARED_TOPIC, _share("ALERT", _alert(), **fields), offset)


def test_offsets_are_committed_once_matches_and_audit_records_are_delivered(matcher) -> None:
    consumer, producer = FakeConsumer([_shared()]), FakeProducer()
    assert matcher.process(consumer, FakeConsumer([]), producer) == 1
    assert [topic for topic, _ in producer.produced] == ["sub.jdoe", "audit"]
    assert consumer.commits == 1 and matcher.stats.matches == 1


def test_a_batch_whose_matches_are_not_delivered_is_not_committed(matcher) -> None:
    consumer = FakeConsumer([_shared()])
    with pytest.raises(RuntimeError, match="not delivered"):
        matcher.process(consumer, FakeConsumer([]), FakeProducer(fails=True))
    assert consumer.commits == 0  # replayed after a restart: the same match ids


def test_an_unreadable_share_is_dead_lettered_and_the_batch_goes_on(matcher) -> None:
    messages = [FakeMessage(SHARED_TOPIC, b"garbage", 7), _shared(8)]
    consumer, producer = FakeConsumer(messages), FakeProducer()
    matcher.process(consumer, FakeConsumer([]), producer)
    topics_written = [topic for topic, _ in producer.produced]
    assert topics_written == ["dlq.subscriptions", "sub.jdoe", "audit"]
    letter = producer.produced[0][1]
    assert letter["source_topic"] == SHARED_TOPIC and letter["source_offset"] == 7
    assert letter["value"] == b"garbage" and consumer.commits == 1


def test_a_share_matches_only_subscriptions_of_its_recipient(matcher) -> None:
    theirs = new_subscription(analyst="kroy", agency="tt.police", countries=["PA"])
    matcher.active[theirs["subscription_id"]] = theirs
    ours = next(s for s in matcher.active if s != theirs["subscription_id"])
    # Both rules match every copy; each agency's analysts get its own copy only.
    to_tt = FakeMessage("out.tt.police.shared", _share("ALERT", _alert(), recipient="tt.police"))
    consumer, producer = FakeConsumer([_shared(), to_tt]), FakeProducer()
    matcher.process(consumer, FakeConsumer([]), producer)
    delivered = [(t, m["subscription_id"]) for t, m in producer.produced if t.startswith("sub.")]
    assert delivered == [("sub.jdoe", ours), ("sub.kroy", theirs["subscription_id"])]

    # A copy for an agency nobody subscribes for is not even percolated.
    requests = matcher.percolator.requests
    to_pa = _share("ALERT", _alert(), recipient="pa.migracion")
    matcher.process(
        FakeConsumer([FakeMessage("out.pa.migracion.shared", to_pa)]), FakeConsumer([]), producer
    )
    assert matcher.percolator.requests == requests and matcher.stats.matches == 2


def test_each_changed_copy_matches_once_and_a_revocation_not_at_all(matcher) -> None:
    messages = [_shared(0), _shared(1), _shared(2, version=3), _shared(3, version=4)]
    messages.append(FakeMessage(SHARED_TOPIC, _share("ALERT", None, version=5), 4))
    producer = FakeProducer()
    matcher.process(FakeConsumer(messages), FakeConsumer([]), producer)
    matches = [m for t, m in producer.produced if t == "sub.jdoe"]
    # Version 2 twice (a replay): one match id; versions 3 and 4: one each.
    assert [m["version"] for m in matches] == [2, 2, 3, 4]
    assert len({m["match_id"] for m in matches}) == 3


class FakeIndex:
    """The subscriptions index: stored queries by subscription id."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}

    def options(self, **_: Any) -> "FakeIndex":
        return self

    def index(self, index: str, id: str, document: dict[str, Any], refresh: bool) -> None:
        self.docs[id] = document

    def delete(self, index: str, id: str, refresh: bool) -> None:
        self.docs.pop(id, None)


def test_definitions_are_indexed_removed_or_refused_into_the_dead_letters(matcher) -> None:
    matcher.es, matcher.active = FakeIndex(), {}
    matcher.provisioned.add("sub.jdoe")
    sub, producer = _sub(names=["ana"]), FakeProducer()
    key = sub["subscription_id"]

    matcher.apply(FakeMessage("subscriptions", sub, key=key), producer)
    assert matcher.active == {key: sub}
    assert matcher.es.docs[key]["rule_query"] == rule_query(sub)

    matcher.apply(FakeMessage("subscriptions", None, key=key), producer)  # a tombstone
    assert matcher.active == {} and matcher.es.docs == {}

    matcher.apply(FakeMessage("subscriptions", sub, key=key), producer)
    invalid = {**sub, "identifiers": ["fax:123"]}  # an update no matcher can run
    matcher.apply(FakeMessage("subscriptions", invalid, 3, key=key), producer)
    assert matcher.active == {} and matcher.es.docs == {}
    ((topic, letter),) = producer.produced
    assert topic == "dlq.subscriptions" and "fax" in letter["reason"]
    assert letter["source_offset"] == 3 and letter["error_type"] == "SubscriptionInvalid"


# -- tail ----------------------------------------------------------------------------------


def _line(**fields: Any) -> Line:
    defaults: dict[str, Any] = {
        "at": AT,
        "what": "ENTITY PERSON v2",
        "countries": ("CO", "PA"),
        "labels": ("María Pérez",),
        "why": "2 records",
        "kinds": frozenset({"PERSON"}),
    }
    return Line(**{**defaults, **fields})


@pytest.mark.parametrize(
    ("wanted", "accepted"),
    [
        (TailFilter(), True),
        (TailFilter(countries=frozenset({"PA", "GY"})), True),
        (TailFilter(countries=frozenset({"GY"})), False),
        (TailFilter(kinds=frozenset({"PERSON"})), True),
        (TailFilter(kinds=frozenset({"PHONE"})), False),
        (TailFilter(min_score=5.0), False),  # no score: not shown when a minimum is asked
    ],
)
def test_tail_filters_an_entity(wanted: TailFilter, accepted: bool) -> None:
    assert wanted.accepts(_line()) is accepted


def test_tail_filters_links_by_score() -> None:
    link = _line(what="LINK SAME_PERSON MATCH", score=7.5)
    assert TailFilter(min_score=7.5).accepts(link)
    assert not TailFilter(min_score=7.6).accepts(link)


def test_tail_refuses_filters_a_topic_cannot_answer() -> None:
    with pytest.raises(ValueError, match="CrossBorderHit records carry no kinds"):
        view("hits.crossborder", TailFilter(kinds=frozenset({"PERSON"})))
    with pytest.raises(ValueError, match="Entity records carry no min_score"):
        view("corr.entities", TailFilter(min_score=1.0))
    with pytest.raises(ValueError, match=r"cannot tail 'alerts\.valid'"):
        view("alerts.valid", TailFilter())
    assert view("sub.jdoe", TailFilter(min_score=1.0))[0] == "SubscriptionMatch"


def test_each_record_type_reads_as_one_line() -> None:
    _, link_line = view("corr.links", TailFilter())
    link = link_line(
        {
            **_link("SAME_PERSON", [_compared("name", "PEREZ, maria", "PEREZ, maria")]),
            "created_at": AT,
        }
    )
    assert link.what == "LINK SAME_PERSON MATCH" and link.countries == ("CO", "PA")
    assert link.kinds == {"PERSON"} and link.score == 14.2
    assert link.why.startswith("cross-border; name 1.00 (+3.0)")
    _, hit_line = view("hits.crossborder", TailFilter())
    hit = hit_line(
        {
            "hit_id": "h1",
            "network_id": "n" * 32,
            "countries": ["CO", "PA"],
            "new_countries": ["CO"],
            "trigger": "link SAME_PERSON MATCH a1/p1 - a2/p1",
            "link_id": "l1",
            "records": 4,
            "at": AT,
        }
    )
    assert hit.what == "HIT CO" and hit.kinds is None and hit.why.startswith("link SAME_PERSON")
    _, match_line = view("sub.jdoe", TailFilter())
    match = match_line(match_record(_sub(countries=["PA"]), from_alert(_alert()), ["countries:PA"]))
    assert match.what == "MATCH ALERT " and match.why == "countries PA"


def test_a_line_is_readable_and_its_labels_cannot_inject_markup() -> None:
    text = render(_line(labels=("[bold]Ana[/]",), score=3.25))
    assert text.startswith("[dim]2026-11-05 10:30:00[/] [bold]ENTITY PERSON v2[/] [green]CO,PA[/]")
    assert "\\[bold]Ana" in text and "score 3.2" in text and text.endswith("[italic]2 records[/]")
