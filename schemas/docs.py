"""Field reference generated from the `.avsc` docs: `python -m schemas.docs [--path PATH]`."""

import json
from pathlib import Path
from typing import Any

import typer

from schemas.catalog import NAMESPACE, definition, references
from schemas.subjects import COMPATIBILITY, SUBJECTS

# Meaningful in a source checkout, where docs/ sits beside schemas/.
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "docs" / "schemas.md"

_INTRO = f"""# Borderlink schemas

Generated from `schemas/avro/*.avsc` by `python -m schemas.docs`: edit the `.avsc` files
(their `doc` strings) and regenerate; a unit test fails while this page is stale.

Namespace `{NAMESPACE}`. Each top-level record (one no other type refers to) is a
registry subject named by RecordNameStrategy, i.e. its full name, so all topics carrying
it share one contract: {", ".join(f"`{subject}`" for subject in SUBJECTS)}.
Compatibility level `{COMPATIBILITY}`: a new schema must read data written with every
earlier version, and every earlier version must read data written with the new one, so
agencies and consumers upgrade in any order. A change may add or remove a field that has
a default and add an enum symbol; it may not add or remove a field without a default,
change or widen a type, or add or remove a union branch.

A field without a default is required. `null \\| T` is an optional `T`. Every enum has a
default symbol: a reader that meets a symbol added after it was built reads the default.
"""


def _walk(name: str, seen: list[str]) -> None:
    """Append `name` and the types it references to `seen`, depth first, each once."""
    if name not in seen:
        seen.append(name)
        for referenced in references(name):
            _walk(referenced, seen)


def _type(node: Any) -> str:
    if isinstance(node, list):
        return " \\| ".join(_type(branch) for branch in node)
    if isinstance(node, str):
        short = node.removeprefix(f"{NAMESPACE}.")
        return f"[{short}](#{short.lower()})" if short != node else node
    if node["type"] == "array":
        return f"array of {_type(node['items'])}"
    if node["type"] == "map":
        return f"map of {_type(node['values'])}"
    logical = node.get("logicalType")
    if logical == "decimal":
        return f"{node['type']} (decimal, precision {node['precision']}, scale {node['scale']})"
    return f"{node['type']} ({logical})" if logical else node["type"]


def _cell(text: str) -> str:
    # '<' would open an HTML tag in rendered Markdown, e.g. in "in.<agency>".
    return text.replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def _section(name: str) -> str:
    schema = definition(name)
    lines = [f"## {schema['name']}", "", _cell(schema["doc"]), ""]
    if schema["type"] == "enum":
        symbols = ", ".join(f"`{symbol}`" for symbol in schema["symbols"])
        lines += [f"Enum symbols: {symbols}. Default: `{schema['default']}`.", ""]
        return "\n".join(lines)
    lines += ["| Field | Type | Default | Description |", "| --- | --- | --- | --- |"]
    for field in schema["fields"]:
        default = f"`{json.dumps(field['default'])}`" if "default" in field else "required"
        row = (f"`{field['name']}`", _type(field["type"]), default, _cell(field["doc"]))
        lines.append(f"| {' | '.join(row)} |")
    return "\n".join([*lines, ""])


def render_markdown() -> str:
    """The field reference: one section per named type, records before enums, each in the
    order a reader meets them from the top-level records."""
    order: list[str] = []
    for subject in SUBJECTS:
        _walk(subject, order)
    kinds = {name: definition(name)["type"] for name in order}
    records = [name for name in order if kinds[name] == "record"]
    enums = [name for name in order if kinds[name] == "enum"]
    return "\n".join([_INTRO, *map(_section, records), *map(_section, enums)])


def write_markdown(path: Path = DEFAULT_PATH) -> None:
    """Write the field reference to `path` (default: docs/schemas.md of the checkout)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_markdown(), encoding="utf-8")


if __name__ == "__main__":
    typer.run(write_markdown)
