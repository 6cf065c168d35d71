"""Readable terminal output of search results."""

from rich.table import Table

from .search import AlertHit


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
