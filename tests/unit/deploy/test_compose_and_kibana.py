"""deploy/compose and deploy/kibana checked against the code they configure.

No Docker or Kibana here: the compose file is checked against the pydantic settings (every
BORDERLINK_* name it sets is read by a real settings field, with the value it sets) and the
versions deploy/local pins; the saved objects against the index specs and derived mappings.
"""

import ast
import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings

from borderlink.settings import ElasticsearchSettings, Settings
from consumers.indices import IndexSpec, specs
from consumers.sink import SinkSettings
from deploy.kibana import saved_objects as generator
from deploy.local.settings import REPO_ROOT, StackSettings
from schemas import definition
from streams.settings import StreamSettings

COMPOSE_DIR = REPO_ROOT / "deploy" / "compose"
COMPOSE_FILE = COMPOSE_DIR / "compose.yaml"
ENV_EXAMPLE = COMPOSE_DIR / "env.example"
NDJSON = REPO_ROOT / "deploy" / "kibana" / "saved_objects.ndjson"
DOCS = [REPO_ROOT / "deploy" / "README.md", REPO_ROOT / "deploy" / "kibana" / "README.md"]
SETTINGS_CLASSES: list[type[BaseSettings]] = [Settings, StreamSettings, SinkSettings, StackSettings]
# Packages whose os.environ reads count as settings (borderlink.logs reads two that way).
SOURCE_PACKAGES = ["borderlink", "streams", "consumers", "producers", "schemas", "deploy"]
BORDERLINK_NAME = re.compile(r"\bBORDERLINK_[A-Z0-9_]*[A-Z0-9](?!\*)\b")
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}")


# --- helpers ---------------------------------------------------------------------------------


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def borderlink_services() -> dict[str, dict[str, Any]]:
    return {n: s for n, s in services().items() if s.get("image", "").startswith("borderlink:")}


def setting_path(name: str) -> str | None:
    """``BORDERLINK_KAFKA__BOOTSTRAP_SERVERS`` -> ``Settings.kafka.bootstrap_servers``, walking
    each settings class's env prefix and nested delimiter the way pydantic-settings does."""
    for cls in SETTINGS_CLASSES:
        prefix = cls.model_config.get("env_prefix", "").upper()
        if not name.upper().startswith(prefix):
            continue
        rest = name[len(prefix) :].lower()
        delimiter = cls.model_config.get("env_nested_delimiter")
        parts = rest.split(delimiter) if delimiter else [rest]
        model: type[BaseModel] = cls
        path = [cls.__name__]
        for i, part in enumerate(parts):
            field = model.model_fields.get(part)
            if field is None:
                break
            path.append(part)
            if i == len(parts) - 1:
                return ".".join(path)
            annotation = field.annotation
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                break
            model = annotation
    return None


def environ_reads() -> set[str]:
    """Names the project reads with ``os.environ.get``/``os.getenv``/``os.environ[...]``."""
    names: set[str] = set()
    for package in SOURCE_PACKAGES:
        for source in (REPO_ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text())):
                if isinstance(node, ast.Call) and node.args:
                    func = ast.unparse(node.func)
                    if func in ("os.environ.get", "os.getenv") and isinstance(
                        node.args[0], ast.Constant
                    ):
                        names.add(str(node.args[0].value))
                elif (
                    isinstance(node, ast.Subscript)
                    and ast.unparse(node.value) == "os.environ"
                    and isinstance(node.slice, ast.Constant)
                ):
                    names.add(str(node.slice.value))
    return names


def interpolate(value: Any) -> str:
    """Compose's ``${VAR:-default}``; a required ``${VAR:?...}`` gets a placeholder."""

    def one(match: re.Match[str]) -> str:
        operator, argument = match.group(2), match.group(3)
        if operator in (":-", "-"):
            return argument
        return f"test-{match.group(1).lower()}"

    return INTERPOLATION.sub(one, str(value)).replace("$$", "$")


def resolve(settings: dict[str, BaseSettings], path: str) -> Any:
    cls, *attributes = path.split(".")
    value: Any = settings[cls]
    for attribute in attributes:
        value = getattr(value, attribute)
    return value.get_secret_value() if isinstance(value, SecretStr) else value


# --- compose ---------------------------------------------------------------------------------


def test_compose_parses_with_the_services_of_a_deployment() -> None:
    names = set(services())
    assert {"kafka", "registry", "elasticsearch", "kibana", "init", "worker", "sink"} <= names
    assert compose()["name"] == "borderlink"


def test_every_borderlink_name_in_compose_and_docs_is_a_real_setting() -> None:
    direct = environ_reads()
    texts = {
        str(p.relative_to(REPO_ROOT)): p.read_text() for p in [COMPOSE_FILE, ENV_EXAMPLE, *DOCS]
    }
    seen = {(file, n) for file, text in texts.items() for n in BORDERLINK_NAME.findall(text)}
    unknown = sorted((f, n) for f, n in seen if n not in direct and setting_path(n) is None)
    assert not unknown, f"not read by any settings class or os.environ lookup: {unknown}"
    assert any(f == str(COMPOSE_FILE.relative_to(REPO_ROOT)) for f, _ in seen)


@pytest.mark.parametrize("service", sorted(borderlink_services()))
def test_each_services_environment_sets_the_settings_it_names(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("BORDERLINK_"):
            monkeypatch.delenv(name)
    env = {k: interpolate(v) for k, v in (services()[service].get("environment") or {}).items()}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    loaded: dict[str, BaseSettings] = {
        "Settings": Settings(_env_file=None),
        "StreamSettings": StreamSettings(),
        "SinkSettings": SinkSettings(),
        "StackSettings": StackSettings(),
    }
    direct = environ_reads()
    for name, value in env.items():
        if not name.startswith("BORDERLINK_") or name in direct:
            continue
        path = setting_path(name)
        assert path, f"{service}: {name} is no setting"
        assert str(resolve(loaded, path)) == value, f"{service}: {name} did not reach {path}"


def test_the_python_services_share_one_kafka_and_registry() -> None:
    kafka = {"BORDERLINK_KAFKA__BOOTSTRAP_SERVERS", "BORDERLINK_REGISTRY__URL"}
    kafka |= {"BORDERLINK_KAFKA__TOPIC_PARTITIONS", "BORDERLINK_KAFKA__TOPIC_REPLICATION"}
    envs = {n: services()[n]["environment"] for n in ("init", "worker", "sink")}
    for name in kafka:
        assert len({json.dumps(env.get(name)) for env in envs.values()}) == 1, name
        assert envs["worker"].get(name), name
    assert envs["worker"]["BORDERLINK_REGISTRY__URL"].endswith("/apis/ccompat/v7")
    sink = services()["sink"]["environment"]
    assert sink["BORDERLINK_ELASTICSEARCH__URL"] == "http://elasticsearch:9200"
    # faust's internal topics take the same partition count as `borderlink topics` gives.
    kafka_env = services()["kafka"]["environment"]
    assert kafka_env["KAFKA_NUM_PARTITIONS"] == envs["worker"]["BORDERLINK_KAFKA__TOPIC_PARTITIONS"]


def test_images_are_the_versions_deploy_local_pins() -> None:
    stack = StackSettings.model_fields
    version = {k: stack[f"{k}_version"].default for k in ("kafka", "registry", "elasticsearch")}
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    expected = {
        "kafka": f"apache/kafka:{version['kafka']}",
        "registry": f"apicurio/apicurio-registry:{version['registry']}",
        "elasticsearch": (
            f"docker.elastic.co/elasticsearch/elasticsearch:{version['elasticsearch']}"
        ),
        # Kibana must run the very version of Elasticsearch it talks to.
        "kibana": f"docker.elastic.co/kibana/kibana:{version['elasticsearch']}",
    }
    for service, image in expected.items():
        assert services()[service]["image"] == image
    for name, service in services().items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and tag and tag != "latest" and "$" not in image, (name, image)
        if name in borderlink_services():
            assert tag == project["version"], "the Borderlink image is tagged with its version"
            assert service["build"]["dockerfile"] == "deploy/compose/Dockerfile"
            assert (COMPOSE_DIR / service["build"]["context"]).resolve() == REPO_ROOT


def test_dependencies_wait_for_health_or_completion() -> None:
    all_services = services()
    for name, service in all_services.items():
        for target, spec in (service.get("depends_on") or {}).items():
            assert target in all_services, (name, target)
            condition = spec["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in all_services[target], (name, target)
            else:
                assert condition == "service_completed_successfully", (name, target)
                assert all_services[target].get("restart") == "no", (name, target)
    long_running = {"kafka", "registry-db", "registry", "elasticsearch", "kibana"}
    for name in long_running:
        assert all_services[name]["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL"), name
    for name in ("worker", "sink"):
        assert all_services[name]["depends_on"]["init"] == {
            "condition": "service_completed_successfully"
        }


def test_workers_scale_without_sharing_state_or_ports() -> None:
    worker = services()["worker"]
    assert "container_name" not in worker and "ports" not in worker
    datadir = worker["environment"]["BORDERLINK_STREAMS_DATADIR"]
    # An anonymous volume (no source): each replica gets its own RocksDB folder; the
    # sharing agreements are the one thing they share, read-only.
    policy = worker["environment"]["BORDERLINK_STREAMS_POLICY_DIR"]
    assert worker["volumes"] == [datadir, f"${{POLICY_DIR:-../policy}}:{policy}:ro"]
    assert worker["command"] == ["borderlink", "worker"]


def test_the_sink_reads_the_key_that_es_setup_writes() -> None:
    setup, sink = services()["es-setup"], services()["sink"]
    key_file = setup["environment"]["SINK_API_KEY_FILE"]
    assert key_file in " ".join(sink["command"])
    assert "BORDERLINK_ELASTICSEARCH__API_KEY" in " ".join(sink["command"])
    folder = str(Path(key_file).parent)
    assert f"es-keys:{folder}" in setup["volumes"]
    assert f"es-keys:{folder}:ro" in sink["volumes"]
    assert setup["command"] == ["python", "-m", "deploy.compose.elasticsearch_setup"]


def test_variables_compose_needs_are_documented_in_env_example() -> None:
    documented = set(re.findall(r"^#?([A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    used = {m.group(1) for m in INTERPOLATION.finditer(COMPOSE_FILE.read_text())}
    required = {
        m.group(1) for m in INTERPOLATION.finditer(COMPOSE_FILE.read_text()) if m.group(2) == ":?"
    }
    assert used - documented == set()
    active = set(re.findall(r"^([A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    assert required <= active, "required variables appear uncommented in env.example"


def test_the_image_copies_every_package_pyproject_installs() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {p.rstrip("*") for p in include}
    dockerfile = (COMPOSE_DIR / "Dockerfile").read_text()
    ignore = (COMPOSE_DIR / "Dockerfile.dockerignore").read_text().split()
    copied = {
        word.rstrip("/")
        for line in dockerfile.splitlines()
        if line.startswith("COPY ")
        for word in line.split()[1:-1]
    }
    for needed in [*packages, "pyproject.toml", "README.md"]:
        assert needed in copied, needed
        assert f"!{needed}/" in ignore or f"!{needed}" in ignore, needed


# --- Kibana saved objects --------------------------------------------------------------------


def objects() -> list[dict[str, Any]]:
    parsed = []
    for number, line in enumerate(NDJSON.read_text().splitlines(), 1):
        assert line.strip(), f"line {number} is empty"
        parsed.append(json.loads(line))
    return parsed


def by_id() -> dict[str, dict[str, Any]]:
    return {o["id"]: o for o in objects()}


def alias_specs() -> dict[str, IndexSpec]:
    prefix = ElasticsearchSettings.model_fields["index_prefix"].default
    return {spec.name: spec for spec in specs(prefix).values()}


def mapped_fields(properties: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Every leaf of a mapping (and multi-field such as ``name.keyword``) -> its type."""
    fields: dict[str, str] = {}
    for name, spec in properties.items():
        path = prefix + name
        if "properties" in spec:
            fields |= mapped_fields(spec["properties"], path + ".")
            continue
        fields[path] = spec.get("type", "object")
        for sub, sub_spec in spec.get("fields", {}).items():
            fields[f"{path}.{sub}"] = sub_spec["type"]
    return fields


def view_fields(view: dict[str, Any]) -> dict[str, str]:
    """The fields a data view offers: its index's mapping (as the sink writes the template)
    plus the view's runtime fields."""
    spec = alias_specs()[view["attributes"]["title"]]
    mappings = spec.template_body(1, 0)["template"]["mappings"]
    fields = mapped_fields(mappings["properties"])
    runtime = json.loads(view["attributes"].get("runtimeFieldMap") or "{}")
    return fields | {name: r["type"] for name, r in runtime.items()}


def view_of(obj: dict[str, Any], ref_name: str) -> dict[str, Any]:
    refs = {r["name"]: r for r in obj["references"]}
    assert ref_name in refs, f"{obj['id']}: no reference named {ref_name}"
    assert refs[ref_name]["type"] == "index-pattern"
    return by_id()[refs[ref_name]["id"]]


KQL_TERM = re.compile(r'(?:\bnot\s+)?([A-Za-z_][\w.]*)\s*:\s*("?)([^"\s()]+)\2')
AVRO_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


def avro_leaf(record: str, path: str) -> Any:
    """The Avro type at a dotted document path (unions, arrays and names unwrapped)."""

    def unwrap(node: Any) -> Any:
        while True:
            if isinstance(node, list):
                node = next(branch for branch in node if branch != "null")
            elif isinstance(node, dict) and node.get("type") == "array":
                node = node["items"]
            elif isinstance(node, str) and node not in AVRO_PRIMITIVES:
                node = definition(node)
            else:
                return node

    node: Any = definition(record)
    for part in path.split("."):
        node = unwrap(next(f["type"] for f in node["fields"] if f["name"] == part))
    return node


def check_kql(kql: str, view: dict[str, Any], where: str) -> None:
    fields = view_fields(view)
    record = alias_specs()[view["attributes"]["title"]].record
    for field, _, value in KQL_TERM.findall(kql):
        assert field in fields, f"{where}: query field {field} is not in {record}'s mapping"
        leaf = avro_leaf(record, field)
        if isinstance(leaf, dict) and leaf.get("type") == "enum":
            assert value in leaf["symbols"], f"{where}: {value} is no {leaf['name']} symbol"
        if leaf == "boolean":
            assert value in ("true", "false"), f"{where}: {field} is boolean, not {value}"
    assert not kql or KQL_TERM.search(kql), f"{where}: cannot read the query {kql!r}"


AGGREGATABLE = {"keyword", "long", "double", "date", "boolean"}
NUMERIC = {"long", "double"}


def test_ndjson_parses_line_by_line_with_unique_ids() -> None:
    parsed = objects()
    for obj in parsed:
        assert {"id", "type", "attributes", "references"} <= set(obj), obj.get("id")
        assert obj["coreMigrationVersion"] and obj["typeMigrationVersion"]
    ids = [o["id"] for o in parsed]
    assert len(ids) == len(set(ids))
    kinds = {o["type"] for o in parsed}
    assert kinds == {"index-pattern", "search", "lens", "map", "dashboard"}


def test_every_reference_resolves_to_an_object_in_the_file() -> None:
    known = {(o["type"], o["id"]) for o in objects()}
    for obj in objects():
        names = [r["name"] for r in obj["references"]]
        assert len(names) == len(set(names)), obj["id"]
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in known, (obj["id"], ref)


def test_data_views_are_the_sinks_aliases_with_date_time_fields() -> None:
    views = [o for o in objects() if o["type"] == "index-pattern"]
    titles = [v["attributes"]["title"] for v in views]
    assert len(titles) == len(set(titles))
    assert set(titles) <= set(alias_specs()), "a data view on an index the sink does not write"
    # Every index the sink writes has a data view, or a stated reason to have none.
    keys = set(specs(generator.DEFAULT_PREFIX))
    assert set(generator.DATA_VIEWS) | set(generator.WITHOUT_DATA_VIEW) == keys
    assert not set(generator.DATA_VIEWS) & set(generator.WITHOUT_DATA_VIEW)
    expected = {specs(generator.DEFAULT_PREFIX)[k].name for k in generator.DATA_VIEWS}
    assert set(titles) == expected
    for view in views:
        time_field = view["attributes"].get("timeFieldName")
        if time_field:
            assert view_fields(view)[time_field] == "date", view["id"]
        # Every field is an indexed one: no runtime field (a _source parse per document and
        # query, and Painless, which the local stack's node lacks).
        assert json.loads(view["attributes"]["runtimeFieldMap"]) == {}, view["id"]


def test_saved_searches_use_fields_of_their_index() -> None:
    for obj in (o for o in objects() if o["type"] == "search"):
        source = json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
        view = view_of(obj, source["indexRefName"])
        fields = view_fields(view)
        for column in obj["attributes"]["columns"]:
            assert column in fields, f"{obj['id']}: column {column}"
        for field, _direction in obj["attributes"]["sort"]:
            assert fields.get(field) in AGGREGATABLE, f"{obj['id']}: sort on {field}"
        check_kql(source["query"]["query"], view, obj["id"])


def test_lens_columns_use_fields_of_their_index_with_fitting_types() -> None:
    for obj in (o for o in objects() if o["type"] == "lens"):
        state = obj["attributes"]["state"]
        layers = state["datasourceStates"]["formBased"]["layers"]
        assert layers, obj["id"]
        for layer_id, layer in layers.items():
            view = view_of(obj, f"indexpattern-datasource-layer-{layer_id}")
            fields = view_fields(view)
            assert set(layer["columnOrder"]) == set(layer["columns"]), obj["id"]
            for column in layer["columns"].values():
                field, operation = column["sourceField"], column["operationType"]
                if operation == "count":
                    assert field == "___records___" or field in fields
                    continue
                kind = fields.get(field)
                assert kind, f"{obj['id']}: {field} is not in the mapping"
                if operation == "date_histogram":
                    assert kind == "date", (obj["id"], field)
                elif operation == "terms":
                    assert kind in AGGREGATABLE, (obj["id"], field, kind)
                else:
                    assert kind in NUMERIC, (obj["id"], field, kind)
                order = column.get("params", {}).get("orderBy", {}).get("columnId")
                assert order is None or order in layer["columns"], obj["id"]
            check_kql(state["query"]["query"], view, obj["id"])
        for xy_layer in state["visualization"]["layers"]:
            columns = layers[xy_layer["layerId"]]["columns"]
            accessors = [xy_layer["xAccessor"], *xy_layer["accessors"]]
            accessors += [xy_layer["splitAccessor"]] if "splitAccessor" in xy_layer else []
            assert all(a in columns for a in accessors), obj["id"]


def test_the_map_places_points_on_a_geo_point_of_the_alerts() -> None:
    maps = [o for o in objects() if o["type"] == "map"]
    assert maps
    for obj in maps:
        json.loads(obj["attributes"]["mapStateJSON"])
        for layer in json.loads(obj["attributes"]["layerListJSON"]):
            source = layer["sourceDescriptor"]
            if "indexPatternRefName" not in source:
                continue  # the basemap
            view = view_of(obj, source["indexPatternRefName"])
            fields = view_fields(view)
            assert fields.get(source["geoField"]) == "geo_point", source["geoField"]
            if view["attributes"]["title"].endswith("-alerts"):
                # The point the sink indexes without shelters (consumers.documents).
                assert source["geoField"] == "geo.locations"
            for field in [*source["tooltipProperties"], source["sortField"]]:
                assert field in fields, f"{obj['id']}: {field}"
            check_kql(layer.get("query", {}).get("query", ""), view, obj["id"])


def test_the_dashboard_panels_point_at_their_references() -> None:
    dashboards = [o for o in objects() if o["type"] == "dashboard"]
    assert len(dashboards) == 1
    for obj in dashboards:
        refs = {r["name"]: r for r in obj["references"]}
        panels = json.loads(obj["attributes"]["panelsJSON"])
        shown = set()
        for panel in panels:
            ref = refs[f"{panel['panelIndex']}:{panel['panelRefName']}"]
            assert ref["type"] == panel["type"]
            assert panel["gridData"]["i"] == panel["panelIndex"]
            assert (
                panel["gridData"]["x"] >= 0
                and panel["gridData"]["x"] + panel["gridData"]["w"] <= 48
            )
            shown.add(ref["id"])
        # Everything the task asked for is on the dashboard: the three charts and the map.
        on_board = {by_id()[i]["type"] for i in shown}
        assert {"lens", "map", "search"} <= on_board
        assert len(refs) == len(panels)


def test_the_import_instructions_count_every_object() -> None:
    readme = (REPO_ROOT / "deploy" / "kibana" / "README.md").read_text()
    assert f'"successCount":{len(objects())}' in readme


def test_the_file_is_what_the_generator_writes() -> None:
    assert NDJSON.read_text() == generator.to_ndjson(generator.saved_objects()), (
        "regenerate with: python -m deploy.kibana.saved_objects"
    )


def test_another_index_prefix_gives_its_own_titles_and_ids() -> None:
    other = generator.saved_objects("acme")
    titles = [o["attributes"]["title"] for o in other if o["type"] == "index-pattern"]
    assert sorted(titles) == sorted(specs("acme")[key].name for key in generator.DATA_VIEWS)
    assert not {o["id"] for o in other} & set(by_id())
