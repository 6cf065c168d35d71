"""``borderlink import``: bulk-import an agency export (CSV with a column mapping, or JSONL)."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from borderlink import topics
from borderlink.settings import settings

from .importer_report import ImportReport
from .importer_sources import SourceError
from .mapping import MappingError, load_mapping
from .publisher import AlertPublisher

console = Console()
EXIT_INVALID_ROWS, EXIT_USAGE, EXIT_UNDELIVERED = 1, 2, 3
PHASES = {"check": "checking rows", "send": "publishing"}
SHOWN_REJECTIONS = 20


class SourceFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


def _agency_id(agency: str | None) -> str | None:
    if agency is not None and not topics.AGENCY_ID.match(agency):
        raise typer.BadParameter(f"{agency!r} is not '<iso-country>.<code>', e.g. 'co.migracion'")
    return agency


def _summary(report: ImportReport) -> Table:
    table = Table(title=f"import of {escape(report.source)}", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    sent = "dry run" if report.dry_run else None
    for label, count in [
        ("rows", report.rows),
        ("valid", report.valid),
        ("invalid", report.invalid),
        ("published", sent or report.published),
        ("dead-lettered", sent or report.dead_lettered),
    ]:
        table.add_row(label, str(count))
    return table


def _rejections(report: ImportReport) -> Table:
    table = Table(title="invalid rows", show_lines=True)
    table.add_column("row", justify="right")
    table.add_column("alert id", overflow="fold")
    table.add_column("problems")
    for rejected in report.rejected[:SHOWN_REJECTIONS]:
        problems = "\n".join(escape(p) for p in rejected.problems)
        table.add_row(str(rejected.row), rejected.alert_id or "-", problems)
    if report.invalid > SHOWN_REJECTIONS:
        table.caption = f"{report.invalid - SHOWN_REJECTIONS} more: write them with --report"
    return table


def import_export(
    file: Annotated[
        Path, typer.Argument(help="the export: CSV or JSONL", exists=True, dir_okay=False)
    ],
    mapping: Annotated[
        Path | None,
        typer.Option(help="column mapping (TOML); needed for CSV", exists=True, dir_okay=False),
    ] = None,
    agency: Annotated[
        str | None,
        typer.Option(
            help="publish as this agency (the mapping's country stays)", callback=_agency_id
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="check every row, send nothing")] = False,
    report: Annotated[
        Path | None, typer.Option(help="write every problem: .json for all, else CSV")
    ] = None,
    fmt: Annotated[
        SourceFormat | None,
        typer.Option("--format", help="default: the mapping's, else the extension"),
    ] = None,
) -> None:
    """Import an agency export: check every row, publish the valid alerts to in.<agency>
    and send each invalid row, with its reasons, to dlq.import.

    Exit 0: every row valid; 1: some rows invalid (in dlq.import and the report);
    2: bad mapping file or usage, or rows naming a victim and no BORDERLINK_PRIVACY_KEY
    (nothing sent); 3: a delivery was not confirmed (re-running is safe).
    """
    # Imported here: dead letters come from the stream worker's modules, slow to load.
    from .importer import DeadLetterProducer, ImportFailed, import_file
    from .privacy import MissingKeyError, require_key

    cfg = settings()
    failed: ImportFailed | None = None
    try:
        column_mapping = load_mapping(mapping) if mapping else None
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
        ) as bar:
            tasks: dict[str, TaskID] = {}

            def progress(phase: str, done: int, total: int | None) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task(PHASES[phase], total=total)
                bar.update(tasks[phase], completed=done, total=total)

            try:
                result = import_file(
                    file,
                    column_mapping,
                    agency=agency,
                    fmt=fmt,
                    dry_run=dry_run,
                    publisher_factory=lambda a: AlertPublisher(a, cfg),
                    dead_letter_sink=None if dry_run else DeadLetterProducer(cfg),
                    progress=progress,
                    before_send=require_key,  # survivors need the key: refuse before any send
                )
            except ImportFailed as err:
                failed, result = err, err.report
    except (MappingError, SourceError, MissingKeyError) as err:
        for problem in err.problems if isinstance(err, MappingError) else [str(err)]:
            console.print(f"[red]unusable:[/] {escape(problem)}")
        raise typer.Exit(EXIT_USAGE) from err

    console.print(_summary(result))
    if result.rejected:
        console.print(_rejections(result))
    if report:
        result.write(report)
        console.print(f"report written to {escape(str(report))}")
    if failed:
        console.print(f"[red]{escape(str(failed))}[/]")
        raise typer.Exit(EXIT_UNDELIVERED)
    if result.rejected:
        raise typer.Exit(EXIT_INVALID_ROWS)


def register(app: typer.Typer) -> None:
    app.command("import")(import_export)
