"""docs/schemas.md is generated from the `.avsc` files and must not go stale."""

from pathlib import Path

from schemas import definition, type_names
from schemas.docs import DEFAULT_PATH, render_markdown, write_markdown

REPO_DOC = Path(__file__).resolve().parents[3] / "docs" / "schemas.md"


def test_docs_schemas_md_is_up_to_date():
    assert REPO_DOC == DEFAULT_PATH
    assert REPO_DOC.read_text(encoding="utf-8") == render_markdown(), (
        "docs/schemas.md is stale: run `python -m schemas.docs`"
    )


def test_every_type_has_a_section_and_every_field_a_row():
    markdown = render_markdown()
    for name in type_names():
        schema = definition(name)
        assert f"\n## {schema['name']}\n" in markdown
        for field in schema.get("fields", []):
            assert f"| `{field['name']}` |" in markdown


def test_write_markdown_writes_the_rendered_page(tmp_path):
    target = tmp_path / "docs" / "schemas.md"
    write_markdown(target)
    assert target.read_text(encoding="utf-8") == render_markdown()
