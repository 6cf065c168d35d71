"""Given an analyst of TT subscribed to a misspelt name in Panama (and to a phone), the
matcher delivers the copies shared to TT of the Panamanian alert naming her, her entity and
the link that joined her Colombian record, each with its reasons; nothing for another
person's alert; and nothing once the subscription is removed, though a later alert names her
again. Adversarial: a PA alert restricted to casework (AMBER+STRICT; TT is no party) that
matches a TT analyst's rule never reaches that analyst, while a released alert naming the
same person does, and a CO analyst with the same rule, to whom casework released it, gets it.
Every match of either analyst is a copy its agency received."""

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import Consumer, Message, TopicPartition

from borderlink import topics
from borderlink.serde import codec
from borderlink.settings import Settings
from consumers.sink import SHARED
from consumers.subscriptions import (
    MatcherSettings,
    SubscriptionMatcher,
    new_subscription,
    publish_subscription,
    remove_subscription,
)
from producers import AlertPublisher
from tests.helpers import alert, consume_all, wait_for

DAY = datetime(2026, 11, 5, tzinfo=UTC)
# Her own date of birth and names: the worker is shared by the whole session, and another
# test's "Maria Jose ... Gomez, 1994-03-14" was linked to her, a link this rule rightly matched.
DOB = "1987-09-23"
# Hex digits to consonants: a surname that no other run (or test) spells within two typos.
LETTERS = str.maketrans("0123456789abcdef", "bcdfghjklmnpqrst")
MATCHED_KINDS = {"ALERT", "ENTITY", "LINK"}  # what the matcher reads of a share
# The worker serves every test of the session: its shares can lag under load.
WAIT_S = 240

Decoded = list[tuple[Message, dict[str, Any]]]


def _payload(share: dict[str, Any]) -> dict[str, Any]:
    return share[share["kind"].lower()]


def _alerts_of(record: dict[str, Any]) -> set[str]:
    if "members" in record:  # an entity
        return {str(m["alert_id"]) for m in record["members"]}
    if "left" in record:  # a link
        return {str(record["left"]["alert_id"]), str(record["right"]["alert_id"])}
    return {str(record["alert_id"])}


def _records(
    config: Settings, topic: str, record: str, until: Callable[[Decoded], bool]
) -> Decoded:
    """This session's records of ``topic``, decoded, once ``until`` holds for them."""
    decoder = codec(config.registry, record)
    found: Decoded = []

    def done(messages: list[Message]) -> bool:
        # Other tests write corrupt records to the shared topics on purpose: Avro ones only.
        avro = [m for m in messages if (m.value() or b"")[:1] == b"\0"]
        found[:] = [(m, decoder.decode(m.value(), topic)) for m in avro]
        return until(found)

    consume_all(config, topic, done, timeout_s=WAIT_S)
    assert until(found), f"{topic}: the expected records never arrived"
    return found


def _released(
    config: Settings,
    agency: str,
    alerts: set[str],
    entities: Sequence[set[str]] = (),
    links: Sequence[set[str]] = (),
) -> Decoded:
    """The copies of ``alerts`` (and of results drawing on them) shared to ``agency``, once
    its topic holds an alert share of each and, for each set of alerts named, an entity (a
    link) that joins exactly those."""

    def copies(found: Decoded) -> Decoded:
        return [
            (m, s)
            for m, s in found
            if s["kind"] in MATCHED_KINDS and not s["revoked"] and _alerts_of(_payload(s)) & alerts
        ]

    def joined(found: Decoded, kind: str, wanted: Sequence[set[str]]) -> bool:
        held = [_alerts_of(_payload(s)) for _, s in found if s["kind"] == kind]
        return all(w in held for w in wanted)

    def done(found: Decoded) -> bool:
        mine = copies(found)
        return (
            joined(mine, "ALERT", [{a} for a in alerts])
            and joined(mine, "ENTITY", entities)
            and joined(mine, "LINK", links)
        )

    return copies(_records(config, topics.outbound(agency, "shared"), "Share", done))


def _subjects(config: Settings, agency: str, wanted: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """(kind, subject id) of the copies shared to ``agency`` this session, read until
    ``wanted`` are all there or the wait ends."""
    decoder, topic = codec(config.registry, "Share"), topics.outbound(agency, "shared")
    held: set[tuple[str, str]] = set()

    def done(messages: list[Message]) -> bool:
        shares = [decoder.decode(m.value(), topic) for m in messages]
        held.update((s["kind"], s["subject_id"]) for s in shares if not s["revoked"])
        return wanted <= held

    consume_all(config, topic, done, timeout_s=60)
    return held


def _group(config: Settings, group: str) -> Consumer:
    """A consumer of the matcher's group that never joins it: it reads and sets offsets."""
    return Consumer({**config.kafka.librdkafka(), "group.id": group, "enable.auto.commit": False})


def _start_at_the_end(config: Settings, group: str) -> None:
    """Commit today's ends of every agency's shares for the matcher's new group, so it skips
    the stack's history (an agency onboarded later is read from its start, as in production)."""
    consumer, ends = _group(config, group), []
    for topic, meta in consumer.list_topics(timeout=10).topics.items():
        if SHARED.match(topic):
            for p in meta.partitions:
                high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                ends.append(TopicPartition(topic, p, high))
    consumer.commit(offsets=ends, asynchronous=False)
    consumer.close()


def _processed(config: Settings, group: str, shares: Decoded) -> bool:
    """True once the matcher committed past every share: their matches were delivered."""
    consumer = _group(config, group)
    try:
        wanted = {(m.topic(), m.partition()) for m, _ in shares}
        tps = consumer.committed([TopicPartition(t, p) for t, p in wanted], timeout=10)
        done = {(tp.topic, tp.partition): tp.offset for tp in tps}
        return all(done[(m.topic(), m.partition())] > m.offset() for m, _ in shares)
    finally:
        consumer.close()


def _size(config: Settings, topic: str) -> int:
    """How many records the topic holds (a topic this test alone writes)."""
    consumer = _group(config, f"size-{topic}")
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        marks = [consumer.get_watermark_offsets(TopicPartition(topic, p)) for p in partitions]
        return sum(high - low for low, high in marks)
    finally:
        consumer.close()


def _matches(config: Settings, analyst: str) -> Decoded:
    """Everything delivered to the analyst (all delivered before the offsets were committed)."""
    topic = f"sub.{analyst}"
    written = _size(config, topic)
    return _records(config, topic, "SubscriptionMatch", lambda found: len(found) >= written)


@contextmanager
def _running(matcher: SubscriptionMatcher) -> Iterator[list[BaseException]]:
    """The matcher in a thread; what it raised, if it died."""
    stop, errors = threading.Event(), []

    def run() -> None:
        try:
            matcher.run(should_stop=stop.is_set)
        except BaseException as err:
            errors.append(err)
            raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield errors
    finally:
        stop.set()
        thread.join(60)


def _publish(config: Settings, *alerts: tuple[str, dict[str, Any]]) -> None:
    for agency, item in alerts:
        with AlertPublisher(agency, config) as publisher:
            publisher.publish(item)


def test_a_subscription_delivers_what_was_shared_to_its_agency_until_it_is_removed(
    config, agencies, worker, es, run_id
):
    pa, co, tt = agencies["PA"], agencies["CO"], agencies["TT"]
    analyst, co_analyst = f"analyst-{run_id}", f"analyst-co-{run_id}"
    group = f"subscriptions-{run_id}"
    # This session's own definitions topic: matchers of other sessions serve theirs.
    settings = MatcherSettings(group_id=group, topic=f"subscriptions.{run_id}")
    surname = "Zy" + run_id.translate(LETTERS)
    misspelt = f"lucia {surname[:4]}{surname[5:]}".lower()  # a letter left out
    digits = str(int(run_id, 16) % 100_000).zfill(5)
    number = f"6{digits[:3]}-{digits[3:]}31"
    watch = new_subscription(
        analyst=analyst, agency=tt, countries=["pa"], names=[misspelt], case_ref=f"CASE-{run_id}"
    )
    phone = new_subscription(analyst=analyst, agency=tt, identifiers=[f"phone:PA:{number}"])
    phone_key = f"phone:+507{number.replace('-', '')}"
    assert watch["countries"] == ["PA"] and phone["identifiers"] == [phone_key]
    # One rule for a person whom PA reports twice, once restricted to casework: TT's analyst
    # and CO's have it.
    # A surname of its own: one shared with her could link the two (and match her rule).
    guarded_surname = "Xw" + run_id[::-1].translate(LETTERS)
    guarded_name = f"dario {guarded_surname.lower()}"
    guarded = new_subscription(analyst=analyst, agency=tt, names=[guarded_name])
    guarded_co = new_subscription(analyst=co_analyst, agency=co, names=[guarded_name])

    lucia = {"given_names": "Lucia Fernanda", "surnames": f"{surname} Ibarra"}
    lucia |= {"record_id": "p1", "date_of_birth": DOB}
    colombian = {"record_id": "p1", "full_name": f"{surname.upper()} IBARRA, LUCÍA FERNANDA"}
    colombian |= {"name_order": "SURNAME_FIRST", "date_of_birth": DOB}
    border = alert(pa, "PA", DAY, persons=[lucia])  # TLP:AMBER: the bulletin shares it
    bank = alert(co, "CO", DAY, "SUSPICIOUS_TRANSACTION", persons=[colombian])
    held = [{"record_id": "t1", "holder_ref": "p1", "number": number}]
    carlos = [{"record_id": "p1", "full_name": "Carlos Ruiz Zapata"}]
    other = alert(pa, "PA", DAY, persons=carlos, phones=held)  # Panama, but not her
    later = alert(pa, "PA", DAY, persons=[lucia], phones=held)  # her, after the removal
    her, other_id, later_id = (
        {border["alert_id"], bank["alert_id"]},
        other["alert_id"],
        later["alert_id"],
    )

    dario = {"record_id": "p1", "given_names": "Dario", "surnames": f"{guarded_surname} Mora"}
    dario |= {"date_of_birth": "1979-04-11"}
    alias = f"El Zorro {guarded_surname}"  # only the restricted alert holds it
    strict = alert(
        pa, "PA", DAY, marking={"tlp": "AMBER_STRICT"}, persons=[{**dario, "aliases": [alias]}]
    )
    released = alert(pa, "PA", DAY, persons=[dario])
    # CO's own report of him makes casework (need to know) release PA's strict alert to CO.
    report = alert(co, "CO", DAY, "SUSPICIOUS_TRANSACTION", persons=[dario])
    strict_id, released_id, report_id = (
        strict["alert_id"],
        released["alert_id"],
        report["alert_id"],
    )

    _start_at_the_end(config, group)
    matcher = SubscriptionMatcher(config, settings)
    with _running(matcher) as errors:
        wait_for(lambda: errors or matcher.percolator, what="matcher prepared")
        subscriptions = (watch, phone, guarded, guarded_co)
        for sub in subscriptions:
            publish_subscription(sub, config, settings.topic)
        ids = {sub["subscription_id"] for sub in subscriptions}
        wait_for(lambda: errors or ids <= set(matcher.active), what="subscriptions active")
        assert not errors, errors

        _publish(
            config,
            (pa, border),
            (co, bank),
            (pa, other),
            (pa, strict),
            (pa, released),
            (co, report),
        )
        first = _released(
            config, tt, {*her, other_id, released_id, report_id}, entities=[her], links=[her]
        )
        to_co = _released(config, co, {strict_id})  # and what draws on it
        wait_for(
            lambda: errors or _processed(config, group, [*first, *to_co]),
            timeout_s=WAIT_S,
            what="matcher",
        )
        assert not errors, errors

        remove_subscription(watch["subscription_id"], config, settings.topic)
        wait_for(lambda: watch["subscription_id"] not in matcher.active, what="removal")
        assert not es.exists(index=matcher.index.name, id=watch["subscription_id"])
        _publish(config, (pa, later))
        phoned = {other_id, later_id}
        then = _released(
            # Her link again, too: the read stops once all are seen, and the partitions
            # come in any order, so asking only for the newest could stop before hers.
            config,
            tt,
            {*her, *phoned},
            entities=[{*her, later_id}, phoned],
            links=[her, phoned],
        )
        wait_for(
            lambda: errors or _processed(config, group, then), timeout_s=WAIT_S, what="matcher"
        )
        assert not errors, errors

    decoded = _matches(config, analyst)
    matches = [m for _, m in decoded]
    assert all(msg.key().decode() == m["subscription_id"] for msg, m in decoded)
    assert {m["agency"] for m in matches} == {tt}

    # The watched name: TT's copies of her Panamanian alert, of each version of her entity
    # while it was in Panama, of the link that joined her Colombian record; never the
    # Colombian alert itself. One match per copy (share version).
    def version(share: dict[str, Any]) -> int:
        return share["entity"]["version"] if share["kind"] == "ENTITY" else share["version"]

    expected = {
        (s["kind"], s["subject_id"], s["version"]): (s["kind"], s["subject_id"], version(s))
        for _, s in then
        if (s["kind"] == "ALERT" and s["subject_id"] == border["alert_id"])
        or (
            s["kind"] == "ENTITY"
            and s["entity"]["status"] == "ACTIVE"
            and s["entity"]["kind"] == "PERSON"
            and "PA" in s["entity"]["countries"]
            and _alerts_of(s["entity"]) <= her
        )
        or (s["kind"] == "LINK" and _alerts_of(s["link"]) == her)
    }
    assert {kind for kind, _, _ in expected} == MATCHED_KINDS
    by_name = [m for m in matches if m["subscription_id"] == watch["subscription_id"]]
    found = {(m["source"], m["record_id"], m["version"]) for m in by_name}
    assert found == set(expected.values())
    for match in by_name:
        assert match["analyst"] == analyst and "PA" in match["countries"]
        assert {"rule": "countries", "value": "PA"} in match["reasons"]
        assert {"rule": "names", "value": misspelt} in match["reasons"]
    assert len({m["match_id"] for m in by_name}) == len(by_name) == len(expected)

    # The phone: both alerts holding it (Carlos's too) and its entity; never her name.
    by_phone = [m for m in matches if m["subscription_id"] == phone["subscription_id"]]
    alerts = {m["record_id"] for m in by_phone if m["source"] == "ALERT"}
    assert alerts == phoned
    assert any(m["source"] == "ENTITY" and m["kinds"] == ["PHONE"] for m in by_phone)
    assert all(m["reasons"] == [{"rule": "identifiers", "value": phone_key}] for m in by_phone)

    # The guarded person: TT's analyst gets the released alert and CO's report (bulletin),
    # never PA's strict alert, nor its alias in any copy; CO's analyst gets the strict one.
    by_guard = [m for m in matches if m["subscription_id"] == guarded["subscription_id"]]
    assert {m["record_id"] for m in by_guard if m["source"] == "ALERT"} == {
        released_id,
        report_id,
    }
    assert strict_id not in {m["record_id"] for m in matches}
    assert not any(alias.encode() in msg.value() for msg, _ in decoded)
    assert len(by_name) + len(by_phone) + len(by_guard) == len(matches)

    co_matches = [m for _, m in _matches(config, co_analyst)]
    assert {m["agency"] for m in co_matches} == {co}
    co_alerts = {m["record_id"] for m in co_matches if m["source"] == "ALERT"}
    assert strict_id in co_alerts  # the rule does match it, where it was released
    assert co_alerts <= {strict_id, released_id, report_id}
    assert all({"rule": "names", "value": guarded_name} in m["reasons"] for m in co_matches)

    # Whatever either analyst received is something shared to the analyst's agency.
    for agency, theirs in ((tt, matches), (co, co_matches)):
        delivered = {(m["source"], m["record_id"]) for m in theirs}
        assert delivered <= _subjects(config, agency, delivered), f"not shared to {agency}"

    # Every delivery is audited: who received which record, for which case.
    delivered_ids = {m["match_id"] for m in matches}
    audits = _records(
        config,
        topics.AUDIT,
        "AuditEvent",
        lambda found: delivered_ids <= {_match_of(a) for _, a in found},
    )
    ours = [a for _, a in audits if _match_of(a) in delivered_ids]
    assert {a["action"] for a in ours} == {"SUBSCRIPTION_DELIVERY"}
    assert {a["user"] for a in ours} == {analyst} and {a["agency"] for a in ours} == {tt}
    assert {a["endpoint"] for a in ours} == {f"DELIVER sub.{analyst}"}
    cases = {a["case_ref"] for a in ours if watch["subscription_id"] in a["query"]}
    assert cases == {f"CASE-{run_id}"}


def _match_of(event: dict[str, Any]) -> str:
    """The match id an audit record names (``...&match=<id>&...``), '' for other actions."""
    fields = dict(part.partition("=")[::2] for part in event["query"].split("&"))
    return fields.get("match", "")
