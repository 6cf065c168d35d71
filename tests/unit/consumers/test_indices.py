from typing import Any

from consumers.indices import ensure, specs
from consumers.mappings import TEMPLATE_VERSION


class FakeIndices:
    def __init__(self, aliases: set[str]) -> None:
        self.aliases = aliases
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def put_index_template(self, **kwargs: Any) -> None:
        self.calls.append(("put_index_template", kwargs))

    def exists_alias(self, *, name: str) -> bool:
        return name in self.aliases

    def create(self, **kwargs: Any) -> None:
        self.calls.append(("create", kwargs))

    def put_mapping(self, **kwargs: Any) -> None:
        self.calls.append(("put_mapping", kwargs))


class FakeElasticsearch:
    def __init__(self, aliases: set[str]) -> None:
        self.indices = FakeIndices(aliases)

    def options(self, **_: Any) -> "FakeElasticsearch":
        return self


def test_an_existing_index_gets_the_templates_new_fields() -> None:
    wanted = specs("acme")
    es = FakeElasticsearch(aliases={"acme-alerts"})
    ensure(es, {"alerts": wanted["alerts"]})
    calls = es.indices.calls
    assert [c[0] for c in calls] == ["put_index_template", "put_mapping"]  # no new index
    put = calls[1][1]
    assert put["index"] == "acme-alerts"  # the alias: every index behind it
    template = wanted["alerts"].template_body(1, 0)["template"]["mappings"]
    assert put["properties"] == template["properties"]
    assert put["properties"]["geo"]["properties"]["locations"]["type"] == "geo_point"


def test_a_missing_alias_gets_its_first_index_from_the_template() -> None:
    es = FakeElasticsearch(aliases=set())
    ensure(es, {"hubs": specs("acme")["hubs"]})
    kinds = [c[0] for c in es.indices.calls]
    assert kinds == ["put_index_template", "create", "put_mapping"]
    assert es.indices.calls[1][1]["index"] == f"acme-hubs-{TEMPLATE_VERSION:06d}"
