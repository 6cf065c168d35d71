"""Given an alert seen at a border post and referring a survivor to a shelter, when it is
published through the worker and the sink, then a geo query finds it at the border post and
at no distance from the shelter; and a sink starting against an alerts index made before
geo.locations existed adds the field to it."""

from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch

from consumers.documents import alert_document
from consumers.indices import IndexSpec, ensure, specs
from consumers.mappings import SEARCH_PROPERTIES, TEMPLATE_VERSION
from producers import AlertPublisher
from tests.helpers import alert, wait_for

BORDER_POST = {"lat": 8.5336, "lon": -82.8323}  # Paso Canoas, Panama/Costa Rica
SHELTER = {"lat": 8.9824, "lon": -79.5199}  # Panama City
TOWN = {"lat": 4.6097, "lon": -74.0817}  # Bogotá


def _near(point: dict[str, float]) -> dict[str, Any]:
    return {"geo_distance": {"distance": "1km", "geo.locations": point}}


def _around(point: dict[str, float], degrees: float = 0.05) -> dict[str, Any]:
    box = {
        "top_left": {"lat": point["lat"] + degrees, "lon": point["lon"] - degrees},
        "bottom_right": {"lat": point["lat"] - degrees, "lon": point["lon"] + degrees},
    }
    return {"geo_bounding_box": {"geo.locations": box}}


def _ids(es: Elasticsearch, index: str, geo: dict[str, Any], alert_id: str) -> set[str]:
    query = {"bool": {"filter": [geo, {"term": {"alert_id": alert_id}}]}}
    return {h["_id"] for h in es.search(index=index, query=query, size=10)["hits"]["hits"]}


def test_an_alert_is_found_at_its_locations_but_never_at_a_shelter(
    config, agencies, worker, sink, es: Elasticsearch
) -> None:
    sent = alert(
        agencies["PA"],
        "PA",
        datetime(2026, 11, 4, tzinfo=UTC),
        kind="VICTIM_REFERRAL",
        locations=[
            {"record_id": "l1", "kind": "BORDER_POST", "name": "Paso Canoas", **BORDER_POST},
            {"record_id": "l2", "kind": "SHELTER", "name": "Casa refugio", **SHELTER},
        ],
    )
    alert_id = sent["alert_id"]
    with AlertPublisher(agencies["PA"], config) as publisher:
        publisher.publish(sent)
    assert publisher.report.delivered == 1

    index = f"{config.elasticsearch.index_prefix}-alerts"

    def indexed() -> dict[str, Any] | None:
        es.indices.refresh(index=index)
        found = es.options(ignore_status=404).get(index=index, id=alert_id)
        return found["_source"] if found.body.get("found") else None

    doc = wait_for(indexed, timeout_s=90, what="the alert indexed")
    assert doc["geo"] == {"locations": [BORDER_POST]}
    assert [loc["kind"] for loc in doc["locations"]] == ["BORDER_POST", "SHELTER"]

    assert _ids(es, index, _near(BORDER_POST), alert_id) == {alert_id}
    assert _ids(es, index, _around(BORDER_POST), alert_id) == {alert_id}
    assert _ids(es, index, _near(SHELTER), alert_id) == set()
    assert _ids(es, index, _around(SHELTER), alert_id) == set()


def test_ensure_adds_the_geo_point_to_an_index_made_before_it(config, es: Elasticsearch) -> None:
    prefix = f"{config.elasticsearch.index_prefix}-upgrade"
    current = specs(prefix)["alerts"]
    before = IndexSpec(current.name, current.record, SEARCH_PROPERTIES)  # no geo yet
    try:
        ensure(es, {"alerts": before})
        old = alert_document(
            {"alert_id": "old", "locations": [{"record_id": "l1", "kind": "CITY", **BORDER_POST}]}
        )
        without_geo = {k: v for k, v in old.source.items() if k != "geo"}  # as the sink wrote
        es.index(index=current.name, id=old.id, document=without_geo)
        mapped = es.indices.get_mapping(index=current.name)
        assert all("geo" not in m["mappings"]["properties"] for m in mapped.body.values())

        ensure(es, {"alerts": current})  # what the sink does on start
        ensure(es, {"alerts": current})  # and on every later start: no change, no error

        mapped = es.indices.get_mapping(index=current.name)
        (concrete,) = mapped.body.values()  # the same index, not a new one
        geo = concrete["mappings"]["properties"]["geo"]["properties"]["locations"]
        assert geo == {"type": "geo_point", "ignore_malformed": True}
        assert concrete["mappings"]["dynamic"] == "strict"

        new = alert_document(
            {"alert_id": "new", "locations": [{"record_id": "l1", "kind": "CITY", **TOWN}]}
        )
        es.index(index=current.name, id=new.id, document=new.source, refresh=True)
        hits = es.search(index=current.name, query=_near(TOWN))["hits"]["hits"]
        assert [h["_id"] for h in hits] == ["new"]
        # Indexed before the field existed: no point until it is replayed.
        assert es.search(index=current.name, query=_near(BORDER_POST))["hits"]["hits"] == []
    finally:
        concrete_name = f"{current.name}-{TEMPLATE_VERSION:06d}"
        es.options(ignore_status=404).indices.delete(index=concrete_name)
        es.options(ignore_status=404).indices.delete_index_template(name=current.name)
