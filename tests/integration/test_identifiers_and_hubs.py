"""Given agencies that report the same phone, the worker links their records on it; when
more distinct people than the limit hold one number, it is flagged as a hub and stops
linking."""

from datetime import UTC, datetime, timedelta
from typing import Any

from borderlink import topics
from borderlink.serde import codec
from producers import AlertPublisher
from tests.helpers import alert, consume_all

GIVEN = ["Ana", "Bruno", "Carla", "Diego", "Elena", "Fabio", "Gloria", "Hector", "Ines"]
SURNAMES = [
    "Arias",
    "Barrios",
    "Castro",
    "Duarte",
    "Espinoza",
    "Fuentes",
    "Guerra",
    "Herrera",
    "Ibarra",
    "Jaramillo",
    "Lozano",
    "Mejia",
    "Navarro",
]


def _alert(agency: str, country: str, given: str, phone: str, i: int) -> dict[str, Any]:
    return alert(
        agency,
        country,
        datetime(2026, 11, 2, tzinfo=UTC) + timedelta(hours=i),
        "RECRUITMENT_AD",
        persons=[
            {"record_id": "p1", "given_names": given, "surnames": SURNAMES[i % len(SURNAMES)]}
        ],
        phones=[{"record_id": "t1", "holder_ref": "p1", "number": phone}],
    )


def test_shared_phone_links_and_a_hotline_becomes_a_hub(config, agencies, worker, run_id):
    pa, co = agencies["PA"], agencies["CO"]
    digits = str(int(run_id, 16) % 10_000).zfill(4)
    recruiter = f"6{digits[:3]}-{digits[3]}123"  # Panamanian mobile, local format
    hotline = f"6{digits[:3]}-{digits[3]}999"
    shared = [
        _alert(pa, "PA", "Rosa", recruiter, 0),
        _alert(co, "CO", "Rosa", f"+507 {recruiter}", 1),  # same number, international form
    ]
    crowd = [
        _alert(
            pa if i % 2 else co,
            "PA" if i % 2 else "CO",
            name,
            hotline if i % 2 else f"+507 {hotline}",
            10 + i,
        )
        for i, name in enumerate(GIVEN)
    ]
    for agency in (pa, co):
        with AlertPublisher(agency, config) as publisher:
            for alert in [*shared, *crowd]:
                if alert["agency"] == agency:
                    publisher.publish(alert)

    hub_key = f"phone:+507{hotline.replace('-', '')}"
    hubs = codec(config.registry, "Hub")
    flagged = [
        h
        for h in (
            hubs.decode(m.value(), topics.HUBS)
            for m in consume_all(
                config,
                topics.HUBS,
                lambda ms: any(m.key() == hub_key.encode() for m in ms),
                timeout_s=90,
            )
        )
        if h["key"] == hub_key
    ]
    assert flagged and flagged[0]["holders"] == 7 and flagged[0]["threshold"] == 6
    assert "no longer links" in flagged[0]["reason"]

    links = codec(config.registry, "Link")
    ids = {a["alert_id"] for a in [*shared, *crowd]}

    def mine(messages: list) -> list[dict[str, Any]]:
        decoded = (links.decode(m.value(), topics.LINKS) for m in messages)
        return [
            d
            for d in decoded
            if d["kind"] == "SHARED_IDENTIFIER" and str(d["left"]["alert_id"]) in ids
        ]

    found = mine(consume_all(config, topics.LINKS, lambda ms: False, timeout_s=10))
    on_recruiter = [
        d
        for d in found
        if d["explanation"][0]["left"]
        == hub_key.replace(hotline.replace("-", ""), recruiter.replace("-", ""))[6:]
    ]
    assert len(on_recruiter) == 1 and on_recruiter[0]["cross_border"]
    # The hotline linked its first holders, then stopped: 6 holders before the flag.
    on_hotline = [d for d in found if d["explanation"][0]["left"] == hub_key[6:]]
    assert len(on_hotline) == 6
