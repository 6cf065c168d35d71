from consumers.indices import specs
from consumers.mappings import GEO_PROPERTIES, SEARCH_PROPERTIES, mapping
from schemas import field_names


def test_every_alert_field_is_mapped_from_the_schema() -> None:
    properties = mapping("Alert")["properties"]
    assert set(field_names("Alert")) <= set(properties)
    assert mapping("Alert")["dynamic"] == "strict"


def test_types_follow_avro_types() -> None:
    props = mapping("Alert")["properties"]
    assert props["observed_at"] == {"type": "date"}
    assert props["country"]["type"] == "keyword"
    assert props["persons"]["properties"]["full_name"]["type"] == "text"
    assert props["persons"]["properties"]["full_name"]["fields"]["keyword"]["type"] == "keyword"
    assert props["involves_survivor"] == {"type": "boolean"}
    assert props["transactions"]["properties"]["amount"] == {"type": "double"}
    assert "search" not in props
    assert mapping("Alert", SEARCH_PROPERTIES)["properties"]["search"]["properties"]["names"] == {
        "type": "text"
    }


def test_a_named_type_used_twice_maps_the_same_both_times() -> None:
    props = mapping("Link")["properties"]
    assert props["left"] == props["right"]
    assert props["left"]["properties"]["alert_id"]["type"] == "keyword"
    assert props["explanation"]["properties"]["similarity"] == {"type": "double"}


def test_alerts_index_locations_as_a_geo_point_that_ignores_bad_values() -> None:
    alerts = specs("acme")["alerts"].template_body(1, 0)["template"]["mappings"]["properties"]
    assert alerts["geo"]["properties"]["locations"] == {
        "type": "geo_point",
        "ignore_malformed": True,
    }
    assert alerts["search"] == SEARCH_PROPERTIES["search"]  # beside, not instead of
    assert alerts["locations"]["properties"]["lat"] == {"type": "double"}  # kept as reported
    assert mapping("Alert", GEO_PROPERTIES)["dynamic"] == "strict"
    for key, spec in specs("acme").items():
        if key not in ("alerts", "shared-alerts"):  # an agency's copies of alerts too
            assert "geo" not in spec.template_body(1, 0)["template"]["mappings"]["properties"]
