"""``borderlink stack``: up, down, status, logs, env."""

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .stack import Stack

app = typer.Typer(
    help="Run the local stack (Kafka, schema registry, Elasticsearch) on loopback.",
    no_args_is_help=True,
)
console = Console()


@app.command()
def up() -> None:
    """Download (first time only), start and wait until every server is healthy."""
    seconds = Stack().up()
    console.print(f"[green]stack up[/] in {seconds:.1f}s")
    status()


@app.command()
def down() -> None:
    """Stop the servers this stack started (by pid file); data is kept."""
    stopped = Stack().down()
    console.print(f"stopped: {', '.join(stopped) or 'nothing was running'}")


@app.command()
def status() -> None:
    """Show each server's pid, health and log file."""
    table = Table("server", "pid", "healthy", "log")
    rows = Stack().status()
    for row in rows:
        table.add_row(
            row.name, str(row.pid or "-"), "yes" if row.healthy else "no", str(row.log_file)
        )
    console.print(table)


@app.command()
def logs(
    server: Annotated[str, typer.Argument(help="kafka, registry or elasticsearch")],
    lines: Annotated[int, typer.Option("--lines", "-n")] = 50,
) -> None:
    """Print the last lines of a server's log."""
    console.print(Stack().tail(server, lines), markup=False, highlight=False)


@app.command()
def env() -> None:
    """Print the environment that points Borderlink's clients at this stack."""
    settings = Stack().settings
    for key, value in settings.client_env().items():
        print(f"export {key}={value}")
    # The pipeline's clients use the listener above; agencies' own clients log in here.
    print(f"# agencies (SASL/SCRAM, borderlink agency add): {settings.kafka_agency_bootstrap}")
