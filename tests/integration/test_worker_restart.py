"""Given a worker that has resolved two sightings of a person, when it is replaced by a
worker with an empty local state folder, then a third sighting still links to the first
two: the resolution tables came back from their changelog topics."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from borderlink import topics
from borderlink.serde import codec
from producers import AlertPublisher
from tests.helpers import alert, consume_all, start_worker


def _sighting(agency: str, country: str, surname: str, i: int) -> dict[str, Any]:
    person = {
        "record_id": "p1",
        "given_names": "Yolanda Beatriz",
        "surnames": surname,
        "date_of_birth": "1994-07-21",
        "sex": "FEMALE",
    }
    return alert(
        agency, country, datetime(2026, 11, 3, tzinfo=UTC) + timedelta(hours=i), persons=[person]
    )


def _publish(config, alert: dict[str, Any]) -> None:
    with AlertPublisher(alert["agency"], config) as publisher:
        publisher.publish(alert)


def _links_of(config, alert_id: str, timeout_s: float) -> list[dict[str, Any]]:
    links = codec(config.registry, "Link")

    def mine(messages: list) -> list[dict[str, Any]]:
        decoded = (links.decode(m.value(), topics.LINKS) for m in messages)
        return [
            d
            for d in decoded
            if alert_id in (str(d["left"]["alert_id"]), str(d["right"]["alert_id"]))
        ]

    return mine(consume_all(config, topics.LINKS, lambda ms: bool(mine(ms)), timeout_s=timeout_s))


def test_resolution_state_survives_a_worker_restart(config, agencies, client_env, run_id, tmp_path):
    pa, co = agencies["PA"], agencies["CO"]
    surname = "Quintero " + "".join(chr(ord("a") + int(c, 16) % 26) for c in run_id[:6])
    env = {
        **client_env,
        "BORDERLINK_STREAMS_APP_ID": f"restart-{run_id}",
        "BORDERLINK_STREAMS_INBOUND_TOPICS": f'["{topics.inbound(pa)}","{topics.inbound(co)}"]',
    }
    first = start_worker(
        {**env, "BORDERLINK_STREAMS_DATADIR": str(tmp_path / "state-1")}, tmp_path / "worker-1.log"
    )
    try:
        a, b = _sighting(pa, "PA", surname, 0), _sighting(co, "CO", surname, 1)
        _publish(config, a)
        _publish(config, b)
        assert _links_of(config, b["alert_id"], timeout_s=90), "no link before the restart"
    finally:
        first.terminate()
        first.wait(60)

    # An empty state folder: the tables can only come back from the changelog topics.
    second = start_worker(
        {**env, "BORDERLINK_STREAMS_DATADIR": str(tmp_path / "state-2")}, tmp_path / "worker-2.log"
    )
    try:
        c = _sighting(pa, "PA", surname, 2)
        _publish(config, c)
        found = _links_of(config, c["alert_id"], timeout_s=90)
    finally:
        second.terminate()
        second.wait(60)
    others = {str(d["left"]["alert_id"]) for d in found} | {
        str(d["right"]["alert_id"]) for d in found
    }
    assert {a["alert_id"], b["alert_id"]} & others, "the restarted worker forgot the person"
    assert all(d["kind"] == "SAME_PERSON" and d["decision"] == "MATCH" for d in found)
    # And it knew them by recovery: faust found records to restore in the changelogs.
    log = (tmp_path / "worker-2.log").read_text()
    block = log.split("Highwater for active changelog partitions:", 1)[1].split("[", 1)[0]
    highwaters = [int(m) for m in re.findall(r"\|\s+\d+\s+\|\s+(-?\d+)\s+\|", block)]
    assert highwaters and max(highwaters) >= 0, block
