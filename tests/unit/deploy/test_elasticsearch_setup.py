from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from consumers.indices import specs
from consumers.mappings import TEMPLATE_VERSION
from deploy.compose.elasticsearch_setup import (
    SINK_KEY_NAME,
    ensure_sink_key,
    set_kibana_password,
    sink_role,
)


class FakeSecurity:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def change_password(self, *, username: str, password: str) -> dict[str, Any]:
        self.calls.append(("change_password", {"username": username, "password": password}))
        return {}

    def create_api_key(self, *, name: str, role_descriptors: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("create_api_key", {"name": name, "roles": role_descriptors}))
        return {"id": "k1", "name": name, "api_key": "secret", "encoded": "azE6c2VjcmV0"}


def test_the_key_is_created_once_and_kept_private(tmp_path: Path) -> None:
    security, key_file = FakeSecurity(), tmp_path / "keys" / "sink-api-key"
    assert ensure_sink_key(security, "borderlink", key_file)
    assert key_file.read_text() == "azE6c2VjcmV0"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert not ensure_sink_key(security, "borderlink", key_file)  # a restart keeps the key
    assert [c[0] for c in security.calls] == ["create_api_key"]
    assert security.calls[0][1]["name"] == SINK_KEY_NAME
    assert not list(key_file.parent.glob("*.tmp"))


def test_an_empty_key_file_is_replaced(tmp_path: Path) -> None:
    key_file = tmp_path / "sink-api-key"
    key_file.write_text("\n")
    assert ensure_sink_key(FakeSecurity(), "borderlink", key_file)
    assert key_file.read_text() == "azE6c2VjcmV0"


def test_kibana_gets_its_service_user_password() -> None:
    security = FakeSecurity()
    set_kibana_password(security, "s3cret")
    assert security.calls == [
        ("change_password", {"username": "kibana_system", "password": "s3cret"})
    ]


def test_the_sink_role_covers_every_index_and_alias_it_writes_and_nothing_else() -> None:
    (role,) = sink_role("acme").values()
    (grant,) = role["indices"]
    for spec in specs("acme").values():
        concrete = f"{spec.name}-{TEMPLATE_VERSION:06d}"  # what indices.ensure creates
        for name in (spec.name, concrete):
            assert any(fnmatch(name, pattern) for pattern in grant["names"]), name
    assert not any(fnmatch("borderlink-alerts", p) for p in grant["names"])
    assert not any(fnmatch(".security-7", p) for p in grant["names"])
    assert {"create_index", "manage", "index"} <= set(grant["privileges"])
    assert role["cluster"] == ["manage_index_templates"]  # put_index_template, no more
