"""Readable terminal output of search results."""

from rich.table import Table

from .search import AlertHit, EntityHit, LookupResult


def _link_line(hit: AlertHit, link: dict) -> str:
    other = link["right"] if link["left"]["alert_id"] == hit.alert_id else link["left"]
    why = ", ".join(f"{e['field']} {e['similarity']:.2f}" for e in link["explanation"])
    border = "cross-border " if link["cross_border"] else ""
    return (
        f"{border}{link['decision'].lower()} → {other['agency']} ({other['country']}) "
        f"score {link['score']:.1f} [{why}]"
    )


def hits_table(query: str, hits: list[AlertHit]) -> Table:
    table = Table(title=f"alerts naming {query!r}: {len(hits)}", show_lines=True)
    for column in ("agency", "event", "names", "linked to"):
        table.add_column(column)
    for hit in hits:
        table.add_row(
            f"{hit.agency} ({hit.country})",
            hit.event,
            "\n".join(hit.names),
            "\n".join(_link_line(hit, link) for link in hit.links) or "-",
        )
    return table


def entities_table(title: str, entities: list[EntityHit]) -> Table:
    """One row per entity: its names, where it was reported, and why its records are one."""
    table = Table(title=f"{title}: {len(entities)}", show_lines=True)
    for column in ("entity", "names", "countries", "similarity", "why linked"):
        table.add_column(column)
    for entity in entities:
        table.add_row(
            f"{entity.kind}\n{entity.entity_id[:12]}",
            "\n".join(entity.labels),
            ", ".join(entity.countries),
            "-" if entity.similarity is None else f"{entity.similarity:.2f}",
            "\n".join(link["why"] for link in entity.links) or "-",
        )
    return table


def lookup_table(result: LookupResult) -> Table:
    """The entities holding an identifier (holders first), titled with its key."""
    where = sorted({s.country for s in result.sightings})
    title = f"{result.key}, in {len(result.sightings)} alert(s) from {', '.join(where) or '-'}"
    return entities_table(title, result.entities)
