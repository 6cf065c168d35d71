from consumers.mappings import SEARCH_PROPERTIES, mapping
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
