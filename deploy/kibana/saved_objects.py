"""Kibana 9 saved objects for Borderlink: data views, searches, Lens charts, a map, a dashboard.

Generated, never edited by hand: index names come from ``consumers.indices.specs`` and every
field is one of the derived mappings' (``consumers.mappings.mapping``), which the unit tests
check, so a renamed Avro field fails a test instead of a dashboard in the field.

    python -m deploy.kibana.saved_objects                  # rewrites saved_objects.ndjson
    python -m deploy.kibana.saved_objects --prefix acme -  # BORDERLINK_ELASTICSEARCH__INDEX_PREFIX
"""

import argparse
import copy
import json
import sys
import uuid
from pathlib import Path
from typing import Any

from borderlink.settings import ElasticsearchSettings
from consumers.indices import specs

NDJSON = Path(__file__).with_name("saved_objects.ndjson")
DEFAULT_PREFIX: str = ElasticsearchSettings.model_fields["index_prefix"].default

# The migration each shape below is already at (as in Kibana's own sample data sets): Kibana 9
# runs only the later migrations on import. Lens: "formBased" layers (8.6+); maps: layer types
# renamed in 8.1 and nothing newer to run.
CORE_MIGRATION_VERSION = "8.8.0"
TYPE_MIGRATION_VERSION = {
    "index-pattern": "7.11.0",
    "search": "7.9.3",
    "lens": "8.9.0",
    "map": "8.4.0",
    "dashboard": "8.7.0",
}
PANEL_VERSION = "8.11.0"

# index key -> (data view name, time field). Entities and networks are current state, one
# document per id updated in place: no time field, so "network sizes" ignores the time picker.
DATA_VIEWS: dict[str, tuple[str, str | None]] = {
    "alerts": ("Borderlink alerts", "observed_at"),  # when it happened, not when reported
    "links": ("Borderlink links", "created_at"),
    "hubs": ("Borderlink hubs", "flagged_at"),
    "entities": ("Borderlink entities", None),
    "networks": ("Borderlink networks", None),
    "hits": ("Borderlink cross-border hits", "at"),
}
# Indices deliberately left without a data view here, and why. Every index of
# consumers.indices.specs is in one of the two (a unit test holds it), so a new index is a
# decision, not an omission.
WITHOUT_DATA_VIEW: dict[str, str] = {
    "audit": "the audit trail (who read what, for which case) is for oversight, not the "
    "analysts' space: add its data view in the auditors' own Kibana space",
    **{
        f"shared-{name}": "what each agency received: each agency's Kibana space gets data views "
        f"on its own filtered aliases <prefix>-view-<agency>-{name} (docs/access-control.md)"
        for name in ("alerts", "links", "entities", "networks", "hits")
    },
}

# The map places alerts on geo.locations, the geo_point the sink indexes beside the Avro fields
# (consumers.mappings.GEO_PROPERTIES): one point per location with both coordinates, shelters
# and out-of-range coordinates left out by the sink (consumers.documents).
SIGHTING_POINT = "geo.locations"

KUERY = "kuery"


def _id(prefix: str, name: str) -> str:
    """Saved object ids carry the prefix: two deployments can share one Kibana space."""
    return f"{prefix}-{name}"


def _uid(prefix: str, name: str) -> str:
    """Stable UUIDs for Lens layers and columns, so regenerating changes nothing."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"borderlink:{prefix}:{name}"))


def _object(
    kind: str, object_id: str, attributes: dict[str, Any], refs: list[dict[str, str]]
) -> dict[str, Any]:
    return {
        "id": object_id,
        "type": kind,
        "attributes": attributes,
        "references": refs,
        "coreMigrationVersion": CORE_MIGRATION_VERSION,
        "typeMigrationVersion": TYPE_MIGRATION_VERSION[kind],
        "managed": False,
    }


def _ref(name: str, kind: str, object_id: str) -> dict[str, str]:
    return {"name": name, "type": kind, "id": object_id}


def _query(kql: str = "") -> dict[str, str]:
    return {"query": kql, "language": KUERY}


def data_view(prefix: str, key: str) -> dict[str, Any]:
    name, time_field = DATA_VIEWS[key]
    attributes: dict[str, Any] = {
        "title": specs(prefix)[key].name,  # the alias the sink writes behind
        "name": name,
        "fields": "[]",  # Kibana reads the fields from the mapping
        "runtimeFieldMap": "{}",
        "fieldAttrs": "{}",
        "fieldFormatMap": "{}",
        "sourceFilters": "[]",
        "typeMeta": "{}",
    }
    if time_field:
        attributes["timeFieldName"] = time_field
    return _object("index-pattern", _id(prefix, f"dv-{key}"), attributes, [])


def saved_search(
    prefix: str,
    name: str,
    index: str,
    title: str,
    description: str,
    kql: str,
    columns: list[str],
    sort: list[list[str]],
) -> dict[str, Any]:
    ref = "kibanaSavedObjectMeta.searchSourceJSON.index"
    source = {"query": _query(kql), "filter": [], "indexRefName": ref}
    attributes = {
        "title": title,
        "description": description,
        "columns": columns,
        "sort": sort,
        "grid": {},
        "hideChart": False,
        "isTextBasedQuery": False,
        "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps(source)},
    }
    refs = [_ref(ref, "index-pattern", _id(prefix, f"dv-{index}"))]
    return _object("search", _id(prefix, f"search-{name}"), attributes, refs)


def _date_histogram(field: str) -> dict[str, Any]:
    return {
        "label": field,
        "dataType": "date",
        "operationType": "date_histogram",
        "sourceField": field,
        "isBucketed": True,
        "scale": "interval",
        "params": {"interval": "auto", "includeEmptyRows": True, "dropPartials": False},
    }


def _count(label: str) -> dict[str, Any]:
    return {
        "label": label,
        "customLabel": True,
        "dataType": "number",
        "operationType": "count",
        "sourceField": "___records___",  # Lens' name for "documents", not a field
        "isBucketed": False,
        "scale": "ratio",
        "params": {"emptyAsNull": True},
    }


def _terms(field: str, label: str, size: int, order_by: str) -> dict[str, Any]:
    return {
        "label": label,
        "customLabel": True,
        "dataType": "string",
        "operationType": "terms",
        "sourceField": field,
        "isBucketed": True,
        "scale": "ordinal",
        "params": {
            "size": size,
            "orderBy": {"type": "column", "columnId": order_by},
            "orderDirection": "desc",
            "otherBucket": True,
            "missingBucket": False,
            "parentFormat": {"id": "terms"},
        },
    }


def _max(field: str, label: str) -> dict[str, Any]:
    return {
        "label": label,
        "customLabel": True,
        "dataType": "number",
        "operationType": "max",
        "sourceField": field,
        "isBucketed": False,
        "scale": "ratio",
        "params": {"emptyAsNull": True},
    }


def lens_xy(
    prefix: str,
    name: str,
    index: str,
    title: str,
    description: str,
    series: str,
    columns: dict[str, dict[str, Any]],
    x: str,
    y: str,
    split: str | None = None,
    kql: str = "",
) -> dict[str, Any]:
    """A one-layer Lens XY chart; ``columns`` are keyed by role names, turned into UUIDs."""
    layer = _uid(prefix, f"{name}/layer")
    ids = {role: _uid(prefix, f"{name}/{role}") for role in columns}
    bucketed = [r for r in columns if columns[r]["isBucketed"]]
    metrics = [r for r in columns if not columns[r]["isBucketed"]]
    resolved = {}
    for role, column in columns.items():
        column = copy.deepcopy(column)
        order_by = column.get("params", {}).get("orderBy", {})
        if "columnId" in order_by:
            order_by["columnId"] = ids[order_by["columnId"]]
        resolved[ids[role]] = column
    data_layer: dict[str, Any] = {
        "layerId": layer,
        "layerType": "data",
        "seriesType": series,
        "xAccessor": ids[x],
        "accessors": [ids[y]],
    }
    if split:
        data_layer["splitAccessor"] = ids[split]
    attributes = {
        "title": title,
        "description": description,
        "visualizationType": "lnsXY",
        "state": {
            "datasourceStates": {
                "formBased": {
                    "layers": {
                        layer: {
                            "columns": resolved,
                            "columnOrder": [ids[r] for r in bucketed + metrics],
                            "incompleteColumns": {},
                        }
                    }
                }
            },
            "visualization": {
                "legend": {"isVisible": split is not None, "position": "right"},
                "valueLabels": "hide",
                "fittingFunction": "None",
                "preferredSeriesType": series,
                # Written out as the Lens editor saves them, rather than left to defaults.
                "axisTitlesVisibilitySettings": {"x": True, "yLeft": True, "yRight": True},
                "tickLabelsVisibilitySettings": {"x": True, "yLeft": True, "yRight": True},
                "gridlinesVisibilitySettings": {"x": True, "yLeft": True, "yRight": True},
                "yLeftExtent": {"mode": "full"},
                "yRightExtent": {"mode": "full"},
                "layers": [data_layer],
            },
            "query": _query(kql),
            "filters": [],
            "internalReferences": [],
            "adHocDataViews": {},
        },
    }
    view = _id(prefix, f"dv-{index}")
    refs = [
        _ref("indexpattern-datasource-current-indexpattern", "index-pattern", view),
        _ref(f"indexpattern-datasource-layer-{layer}", "index-pattern", view),
    ]
    return _object("lens", _id(prefix, f"lens-{name}"), attributes, refs)


def sightings_map(prefix: str) -> dict[str, Any]:
    source_ref = "layer_1_source_index_pattern"
    basemap = {
        "id": _uid(prefix, "map/basemap"),
        "type": "EMS_VECTOR_TILE",
        "label": None,
        "sourceDescriptor": {
            "type": "EMS_TMS",
            "isAutoSelect": True,
            "lightModeDefault": "road_map_desaturated",
        },
        "style": {"type": "EMS_VECTOR_TILE", "color": ""},
        "alpha": 1,
        "visible": True,
        "minZoom": 0,
        "maxZoom": 24,
        "includeInFitToBounds": True,
    }
    sightings = {
        "id": _uid(prefix, "map/sightings"),
        "type": "GEOJSON_VECTOR",
        "label": "Alert locations (shelters withheld)",
        "sourceDescriptor": {
            "id": _uid(prefix, "map/sightings/source"),
            "type": "ES_SEARCH",
            "geoField": SIGHTING_POINT,
            # LIMIT: plain documents; cluster and vector-tile scaling are not needed here
            "scalingType": "LIMIT",
            "sortField": "observed_at",
            "sortOrder": "desc",
            "tooltipProperties": ["agency", "country", "event.kind", "observed_at", "alert_id"],
            "filterByMapBounds": True,
            "applyGlobalQuery": True,
            "applyGlobalTime": True,
            "applyForceRefresh": True,
            "topHitsSplitField": "",
            "topHitsSize": 1,
            "indexPatternRefName": source_ref,
        },
        "style": {
            "type": "VECTOR",
            "isTimeAware": True,
            "properties": {
                "fillColor": {"type": "STATIC", "options": {"color": "#D36086"}},
                "lineColor": {"type": "STATIC", "options": {"color": "#FFFFFF"}},
                "lineWidth": {"type": "STATIC", "options": {"size": 1}},
                "iconSize": {"type": "STATIC", "options": {"size": 6}},
                "symbolizeAs": {"options": {"value": "circle"}},
            },
        },
        # A retraction withdraws an earlier alert; its own locations are not sightings.
        "query": _query('not event.kind : "RETRACTION"'),
        "joins": [],
        "alpha": 0.8,
        "visible": True,
        "minZoom": 0,
        "maxZoom": 24,
        "includeInFitToBounds": True,
    }
    state = {
        "zoom": 3,
        "center": {"lon": -68.0, "lat": 6.0},
        "timeFilters": {"from": "now-30d", "to": "now"},
        "refreshConfig": {"isPaused": True, "interval": 0},
        "query": _query(),
        "filters": [],
        "settings": {"autoFitToDataBounds": True},
    }
    attributes = {
        "title": "Borderlink: sightings",
        "description": (
            f"Locations of alerts with coordinates ({SIGHTING_POINT}; shelters withheld)."
        ),
        "mapStateJSON": json.dumps(state),
        "layerListJSON": json.dumps([basemap, sightings]),
        "uiStateJSON": json.dumps({"isLayerTOCOpen": True, "openTOCDetails": []}),
    }
    refs = [_ref(source_ref, "index-pattern", _id(prefix, "dv-alerts"))]
    return _object("map", _id(prefix, "map-sightings"), attributes, refs)


def dashboard(
    prefix: str, panels: list[tuple[str, dict[str, Any], dict[str, int]]]
) -> dict[str, Any]:
    """``panels``: (panel index, the saved object shown, grid position) — by reference."""
    entries, refs = [], []
    for index, shown, grid in panels:
        entries.append(
            {
                "version": PANEL_VERSION,
                "type": shown["type"],
                "gridData": {**grid, "i": index},
                "panelIndex": index,
                "embeddableConfig": {"enhancements": {}},
                "panelRefName": f"panel_{index}",
            }
        )
        refs.append(_ref(f"{index}:panel_{index}", shown["type"], shown["id"]))
    attributes = {
        "title": "Borderlink overview",
        "description": "Alerts, cross-border hits, networks and sightings across agencies.",
        "panelsJSON": json.dumps(entries),
        "optionsJSON": json.dumps(
            {"useMargins": True, "syncColors": False, "syncCursor": True, "hidePanelTitles": False}
        ),
        "timeRestore": True,
        "timeFrom": "now-30d",
        "timeTo": "now",
        "refreshInterval": {"pause": False, "value": 60000},
        "kibanaSavedObjectMeta": {
            "searchSourceJSON": json.dumps({"query": _query(), "filter": []})
        },
        "version": 1,
    }
    return _object("dashboard", _id(prefix, "dashboard-overview"), attributes, refs)


def saved_objects(prefix: str = DEFAULT_PREFIX) -> list[dict[str, Any]]:
    views = [data_view(prefix, key) for key in DATA_VIEWS]
    links = saved_search(
        prefix,
        "cross-border-links",
        "links",
        "Borderlink: cross-border links",
        "Links between records of agencies in different countries.",
        "cross_border : true",
        [
            "kind",
            "decision",
            "score",
            "left.agency",
            "left.country",
            "right.agency",
            "right.country",
            "link_id",
        ],
        [["created_at", "desc"]],
    )
    hits = saved_search(
        prefix,
        "cross-border-hits",
        "hits",
        "Borderlink: cross-border hits",
        "A network now spans a country it did not span before (hits.crossborder).",
        "",
        ["countries", "new_countries", "records", "trigger", "network_id", "link_id"],
        [["at", "desc"]],
    )
    review = saved_search(
        prefix,
        "possible-matches",
        "links",
        "Borderlink: possible matches awaiting review",
        "Scores between the review and match thresholds. A wrong one is undone with "
        "`borderlink feedback undo <link_id>`; see the explanation field for why it scored.",
        'decision : "POSSIBLE_MATCH"',
        [
            "kind",
            "score",
            "cross_border",
            "left.agency",
            "left.alert_id",
            "left.record_id",
            "right.agency",
            "right.alert_id",
            "right.record_id",
            "link_id",
        ],
        [["created_at", "desc"]],
    )
    per_country = lens_xy(
        prefix,
        "alerts-per-country",
        "alerts",
        "Borderlink: alerts per country over time",
        "Alerts by the publishing agency's country, by when the event was observed.",
        "bar_stacked",
        {
            "country": _terms("country", "Country", 10, order_by="alerts"),
            "time": _date_histogram("observed_at"),
            "alerts": _count("Alerts"),
        },
        x="time",
        y="alerts",
        split="country",
    )
    hits_over_time = lens_xy(
        prefix,
        "hits-over-time",
        "hits",
        "Borderlink: cross-border hits over time",
        "Networks reaching a new country, by when the stream processor saw it.",
        "line",
        {"time": _date_histogram("at"), "hits": _count("Cross-border hits")},
        x="time",
        y="hits",
    )
    sizes = lens_xy(
        prefix,
        "network-sizes",
        "networks",
        "Borderlink: largest active networks",
        "Records held by each active network (current state; ignores the time picker).",
        "bar_horizontal",
        {
            "network": _terms("network_id", "Network", 20, order_by="records"),
            "records": _max("records", "Records"),
        },
        x="network",
        y="records",
        kql='status : "ACTIVE"',
    )
    sightings = sightings_map(prefix)
    overview = dashboard(
        prefix,
        [
            ("alerts-per-country", per_country, {"x": 0, "y": 0, "w": 24, "h": 14}),
            ("hits-over-time", hits_over_time, {"x": 24, "y": 0, "w": 24, "h": 14}),
            ("sightings", sightings, {"x": 0, "y": 14, "w": 30, "h": 20}),
            ("network-sizes", sizes, {"x": 30, "y": 14, "w": 18, "h": 20}),
            ("cross-border-hits", hits, {"x": 0, "y": 34, "w": 48, "h": 14}),
            ("possible-matches", review, {"x": 0, "y": 48, "w": 48, "h": 14}),
        ],
    )
    return [*views, links, hits, review, per_country, hits_over_time, sizes, sightings, overview]


def to_ndjson(objects: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", default=DEFAULT_PREFIX, help="index prefix of the sink")
    parser.add_argument("out", nargs="?", default=str(NDJSON), help="file to write, - for stdout")
    args = parser.parse_args(argv)
    text = to_ndjson(saved_objects(args.prefix))
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
