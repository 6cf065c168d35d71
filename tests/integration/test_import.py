"""``borderlink import`` on the real stack: the example Migración Colombia export, imported as
this session's Colombian agency. Valid rows land on in.<agency>, every invalid row on
dlq.import with its reasons and the original row, no row is missing, and a second run of
the same file publishes the same alert ids."""

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from borderlink import topics
from borderlink.serde import codec
from borderlink.settings import Settings
from tests.helpers import consume_all

EXAMPLES = Path(__file__).parents[2] / "producers" / "examples"
MAPPING = EXAMPLES / "co_migracion_mapping.toml"
# Spreadsheet row numbers (header = row 1) of the example's deliberately bad rows.
INVALID = {
    7: "day is out of range for month",  # 31/09/2026
    13: "phones t1: holder_ref 'p1' names no record",  # a phone without its person
    18: "an alert must carry at least one subject",  # nothing but the control number
}


def _rows(export: Path) -> dict[int, dict[str, str]]:
    with export.open(encoding="latin-1", newline="") as f:
        return dict(enumerate(csv.DictReader(f, delimiter=";"), start=2))


def _import(export: Path, agency: str, report: Path, env: dict[str, str]) -> dict[str, Any]:
    options = ["--mapping", str(MAPPING), "--agency", agency, "--report", str(report)]
    result = subprocess.run(
        [sys.executable, "-m", "borderlink", "import", str(export), *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 1, result.stdout + result.stderr  # 1: some rows invalid
    return json.loads(report.read_text(encoding="utf-8"))


def _published(config: Settings, topic: str, ids: set[str], copies: int) -> list[dict[str, Any]]:
    alerts = codec(config.registry, "Alert")

    def mine(messages: list[Any]) -> list[Any]:
        return [m for m in messages if m.key() and m.key().decode() in ids]

    found = mine(consume_all(config, topic, lambda ms: len(mine(ms)) >= copies * len(ids)))
    return [alerts.decode(m.value(), topic) for m in found]


def _dead_letters(config: Settings, source: str, copies: int) -> list[dict[str, Any]]:
    letters, topic = codec(config.registry, "DeadLetter"), topics.dead_letter("import")

    def mine(messages: list[Any]) -> list[dict[str, Any]]:
        # The source name is in the Avro bytes: decode only this session's letters.
        decoded = (
            letters.decode(m.value(), topic) for m in messages if source.encode() in m.value()
        )
        return [d for d in decoded if d["source_topic"] == source]

    return mine(consume_all(config, topic, lambda ms: len(mine(ms)) >= copies * len(INVALID)))


def test_import_publishes_valid_rows_dead_letters_the_rest_and_reruns_with_the_same_ids(
    config: Settings,
    agencies: dict[str, str],
    client_env: dict[str, str],
    run_id: str,
    tmp_path: Path,
) -> None:
    agency = agencies["CO"]  # not the mapping's co.migracion: --agency replaces it
    # A file name of this session's own: it is the dead letters' source_topic, and
    # dlq.import is shared by every session run against a kept stack.
    export = tmp_path / f"co_migracion_{run_id}.csv"
    shutil.copyfile(EXAMPLES / "co_migracion_export.csv", export)
    rows = _rows(export)
    valid_rows = {n: r for n, r in rows.items() if n not in INVALID}

    first = _import(export, agency, tmp_path / "first.json", client_env)
    assert (first["rows"], first["valid"], first["invalid"]) == (18, 15, 3)
    assert (first["published"], first["dead_lettered"]) == (15, 3)
    ids = set(first["alert_ids"])
    assert len(ids) == 15

    topic = topics.inbound(agency)
    published = _published(config, topic, ids, copies=1)
    assert len(published) == 15
    assert {str(a["alert_id"]) for a in published} == ids
    assert {a["event"]["case_ref"] for a in published} == {
        r["NUM_RADICADO"] for r in valid_rows.values()
    }
    assert {(a["agency"], a["country"]) for a in published} == {(agency, "CO")}

    letters = _dead_letters(config, export.name, copies=1)
    assert sorted(letter["source_offset"] for letter in letters) == sorted(INVALID)
    rejected = {r["row"]: r for r in first["rejected"]}
    for letter in letters:
        row = letter["source_offset"]
        assert letter["stage"] == "import"
        assert letter["error_type"] == "AlertInvalid"
        assert INVALID[row] in letter["reason"]
        assert json.loads(letter["value"]) == rows[row]  # the original row, cell by cell
        assert letter["key"] == rejected[row]["alert_id"].encode()
    # Every row is accounted for: published or dead-lettered, none dropped.
    assert len(valid_rows) + len(letters) == len(rows)

    second = _import(export, agency, tmp_path / "second.json", client_env)
    assert second["alert_ids"] == first["alert_ids"]
    assert [r["alert_id"] for r in second["rejected"]] == [r["alert_id"] for r in first["rejected"]]
    republished = _published(config, topic, ids, copies=2)
    assert sorted(str(a["alert_id"]) for a in republished) == sorted([*ids, *ids])
    assert len(_dead_letters(config, export.name, copies=2)) == 2 * len(INVALID)
