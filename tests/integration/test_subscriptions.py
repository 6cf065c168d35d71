"""Given an analyst subscribed to a misspelt name in Panama (and to a phone), the matcher
delivers the Panamanian alert naming her, her entity and the link that joined her Colombian
record, each with its reasons; nothing for another person's alert; and nothing once the
subscription is removed, though a later alert names her again."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import Consumer, Message, TopicPartition

from borderlink import topics
from borderlink.serde import codec
from borderlink.settings import Settings
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
SOURCES = {topics.VALID_ALERTS: "Alert", topics.ENTITIES: "Entity", topics.LINKS: "Link"}
# Hex digits to consonants: a surname that no other run (or test) spells within two typos.
LETTERS = str.maketrans("0123456789abcdef", "bcdfghjklmnpqrst")

Decoded = list[tuple[Message, dict[str, Any]]]


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

    consume_all(config, topic, done, timeout_s=120)
    assert until(found), f"{topic}: the expected records never arrived"
    return found


def _correlated(
    config: Settings, alerts: set[str], entities: list[set[str]], links: list[set[str]]
) -> dict[str, Decoded]:
    """What the pipeline made of ``alerts``, per source topic, once ``alerts.valid`` holds them
    all and, for each set of alerts named, an entity (a link) joins exactly those."""

    def joined(wanted: list[set[str]]) -> Callable[[Decoded], bool]:
        return lambda found: all(any(_alerts_of(r) == w for _, r in found) for w in wanted)

    done = {
        topics.VALID_ALERTS: joined([{a} for a in alerts]),
        topics.ENTITIES: joined(entities),
        topics.LINKS: joined(links),
    }
    return {
        topic: [
            (m, r)
            for m, r in _records(config, topic, SOURCES[topic], until)
            if _alerts_of(r) & alerts
        ]
        for topic, until in done.items()
    }


def _group(config: Settings, group: str) -> Consumer:
    """A consumer of the matcher's group that never joins it: it reads and sets offsets."""
    return Consumer({**config.kafka.librdkafka(), "group.id": group, "enable.auto.commit": False})


def _start_at_the_end(config: Settings, group: str) -> None:
    """Commit today's ends for the matcher's new group, so it skips every earlier record."""
    consumer, ends = _group(config, group), []
    for topic in SOURCES:
        for p in consumer.list_topics(topic, timeout=10).topics[topic].partitions:
            high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
            ends.append(TopicPartition(topic, p, high))
    consumer.commit(offsets=ends, asynchronous=False)
    consumer.close()


def _processed(config: Settings, group: str, records: dict[str, Decoded]) -> bool:
    """True once the matcher committed past every record: their matches were delivered."""
    messages = [m for found in records.values() for m, _ in found]
    consumer = _group(config, group)
    try:
        wanted = {(m.topic(), m.partition()) for m in messages}
        tps = consumer.committed([TopicPartition(t, p) for t, p in wanted], timeout=10)
        done = {(tp.topic, tp.partition): tp.offset for tp in tps}
        return all(done[(m.topic(), m.partition())] > m.offset() for m in messages)
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


def test_a_subscription_delivers_what_matches_until_it_is_removed(
    config, agencies, worker, es, run_id
):
    pa, co = agencies["PA"], agencies["CO"]
    analyst, group = f"analyst-{run_id}", f"subscriptions-{run_id}"
    # This session's own definitions topic: matchers of other sessions serve theirs.
    settings = MatcherSettings(group_id=group, topic=f"subscriptions.{run_id}")
    surname = "Zy" + run_id.translate(LETTERS)
    misspelt = f"lucia {surname[:4]}{surname[5:]}".lower()  # a letter left out
    digits = str(int(run_id, 16) % 100_000).zfill(5)
    number = f"6{digits[:3]}-{digits[3:]}31"
    watch = new_subscription(
        analyst=analyst,
        agency="co.fiscalia",
        countries=["pa"],
        names=[misspelt],
        case_ref=f"CASE-{run_id}",
    )
    phone = new_subscription(
        analyst=analyst, agency="co.fiscalia", identifiers=[f"phone:PA:{number}"]
    )
    phone_key = f"phone:+507{number.replace('-', '')}"
    assert watch["countries"] == ["PA"] and phone["identifiers"] == [phone_key]

    lucia = {"given_names": "Lucia Fernanda", "surnames": f"{surname} Ibarra"}
    lucia |= {"record_id": "p1", "date_of_birth": DOB}
    colombian = {"record_id": "p1", "full_name": f"{surname.upper()} IBARRA, LUCÍA FERNANDA"}
    colombian |= {"name_order": "SURNAME_FIRST", "date_of_birth": DOB}
    border = alert(pa, "PA", DAY, persons=[lucia])
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

    _start_at_the_end(config, group)
    matcher = SubscriptionMatcher(config, settings)
    with _running(matcher) as errors:
        wait_for(lambda: errors or matcher.percolator, what="matcher prepared")
        publish_subscription(watch, config, settings.topic)
        publish_subscription(phone, config, settings.topic)
        both = {watch["subscription_id"], phone["subscription_id"]}
        wait_for(lambda: errors or both <= set(matcher.active), what="subscriptions active")
        assert not errors, errors

        _publish(config, (pa, border), (co, bank), (pa, other))
        first = _correlated(config, {*her, other_id}, entities=[her], links=[her])
        wait_for(lambda: errors or _processed(config, group, first), timeout_s=120, what="matcher")
        assert not errors, errors

        remove_subscription(watch["subscription_id"], config, settings.topic)
        wait_for(lambda: watch["subscription_id"] not in matcher.active, what="removal")
        assert not es.exists(index=matcher.index.name, id=watch["subscription_id"])
        _publish(config, (pa, later))
        shared = {other_id, later_id}  # the phone
        then = _correlated(
            # Her link again, too: the read stops once all are seen, and the partitions
            # come in any order, so asking only for the newest could stop before hers.
            config,
            {*her, *shared},
            entities=[{*her, later_id}, shared],
            links=[her, shared],
        )
        wait_for(lambda: errors or _processed(config, group, then), timeout_s=120, what="matcher")
        assert not errors, errors

    topic = f"sub.{analyst}"
    written = _size(config, topic)  # all delivered before the offsets were committed
    decoded = _records(config, topic, "SubscriptionMatch", lambda found: len(found) >= written)
    matches = [m for _, m in decoded]
    assert all(msg.key().decode() == m["subscription_id"] for msg, m in decoded)

    # The watched name: her Panamanian alert, each version of her entity while it was in
    # Panama, the link that joined her Colombian record; never the Colombian alert itself.
    entity_versions = {
        ("ENTITY", e["entity_id"], e["version"])
        for _, e in then[topics.ENTITIES]
        if e["status"] == "ACTIVE"
        and e["kind"] == "PERSON"
        and "PA" in e["countries"]
        and _alerts_of(e) <= her
    }
    joining = {("LINK", k["link_id"], None) for _, k in then[topics.LINKS] if _alerts_of(k) == her}
    assert entity_versions and joining
    by_name = [m for m in matches if m["subscription_id"] == watch["subscription_id"]]
    found = {(m["source"], m["record_id"], m["version"]) for m in by_name}
    assert found == {("ALERT", border["alert_id"], None), *entity_versions, *joining}
    for match in by_name:
        assert match["analyst"] == analyst and "PA" in match["countries"]
        assert {"rule": "countries", "value": "PA"} in match["reasons"]
        assert {"rule": "names", "value": misspelt} in match["reasons"]
    assert len({m["match_id"] for m in by_name}) == len(found)  # one per record version

    # The phone: both alerts holding it (Carlos's too) and its entity; never her name.
    by_phone = [m for m in matches if m["subscription_id"] == phone["subscription_id"]]
    alerts = {m["record_id"] for m in by_phone if m["source"] == "ALERT"}
    assert alerts == {other_id, later_id}
    assert any(m["source"] == "ENTITY" and m["kinds"] == ["PHONE"] for m in by_phone)
    assert all(m["reasons"] == [{"rule": "identifiers", "value": phone_key}] for m in by_phone)
    assert len(by_name) + len(by_phone) == len(matches)

    # Every delivery is audited: who received which record, for which case.
    delivered = {m["match_id"] for m in matches}
    audits = _records(
        config,
        topics.AUDIT,
        "AuditEvent",
        lambda found: delivered <= {_match_of(a) for _, a in found},
    )
    ours = [a for _, a in audits if _match_of(a) in delivered]
    assert {a["action"] for a in ours} == {"SUBSCRIPTION_DELIVERY"}
    assert {a["user"] for a in ours} == {analyst}
    assert {a["endpoint"] for a in ours} == {f"DELIVER {topic}"}
    cases = {a["case_ref"] for a in ours if watch["subscription_id"] in a["query"]}
    assert cases == {f"CASE-{run_id}"}


def _match_of(event: dict[str, Any]) -> str:
    """The match id an audit record names (``...&match=<id>&...``), '' for other actions."""
    fields = dict(part.partition("=")[::2] for part in event["query"].split("&"))
    return fields.get("match", "")
