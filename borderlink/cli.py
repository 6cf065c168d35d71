"""The ``borderlink`` command: one entry point, one sub-command per component."""

import json
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from confluent_kafka.admin import AdminClient
from rich.console import Console

from borderlink import logs, topics
from borderlink.serde import registry_client
from borderlink.settings import settings
from deploy.local.cli import app as stack_app
from producers.cli import register as register_producer_commands

app = typer.Typer(
    help="Borderlink: cross-border alert sharing and correlation.", no_args_is_help=True
)
app.add_typer(stack_app, name="stack")
schemas_app = typer.Typer(help="The Avro contract in the schema registry.", no_args_is_help=True)
app.add_typer(schemas_app, name="schemas")
feedback_app = typer.Typer(
    help="Analysts' corrections: undo a wrong link, split a record out of its entity.",
    no_args_is_help=True,
)
app.add_typer(feedback_app, name="feedback")
console = Console()


@app.callback()
def main() -> None:
    logs.configure()


@schemas_app.command("register")
def schemas_register() -> None:
    """Set FULL_TRANSITIVE on every subject and register the current schemas."""
    from schemas import register_all

    for subject, schema_id in register_all(registry_client(settings().registry)).items():
        console.print(f"{subject}: id {schema_id}")


@schemas_app.command("check")
def schemas_check() -> None:
    """Test every .avsc against the registered history; exit 1 on a breaking change."""
    from schemas import check_all

    problems = check_all(registry_client(settings().registry))
    for problem in problems:
        console.print(f"[red]incompatible[/] {problem}")
    if problems:
        raise typer.Exit(1)
    console.print("[green]all schemas compatible with their registered history[/]")


@app.command("topics")
def create_topics(
    agencies: Annotated[list[str] | None, typer.Argument(help="agency ids, e.g. gy.police")] = None,
) -> None:
    """Create the pipeline's topics and the inbound topic of each agency named."""
    kafka = settings().kafka
    names = [*topics.pipeline_topics(), *(topics.inbound(a) for a in agencies or [])]
    created = topics.provision(
        AdminClient(kafka.librdkafka()), names, kafka.topic_partitions, kafka.topic_replication
    )
    console.print(f"created: {', '.join(created) or 'nothing (all exist)'}")


@app.command()
def publish(
    path: Annotated[Path, typer.Argument(help="a JSON alert, or - for standard input")],
) -> None:
    """Validate and publish one alert (JSON, ISO 8601 times) to its agency's topic."""
    from producers import AlertInvalid, AlertPublisher, from_json

    data = json.load(sys.stdin if str(path) == "-" else path.open())
    try:
        alert = from_json(data)
        with AlertPublisher(alert.get("agency", "")) as publisher:
            publisher.publish(alert)
    except (AlertInvalid, ValueError) as err:
        problems = getattr(err, "problems", [str(err)])
        for problem in problems:
            console.print(f"[red]invalid:[/] {problem}")
        raise typer.Exit(2) from err
    console.print(f"published {alert['alert_id']} to {topics.inbound(alert['agency'])}")


register_producer_commands(app)


@app.command()
def worker() -> None:
    """Run the stream processors (faust worker): validate, repartition, correlate."""
    from streams import run_worker

    sys.argv = [sys.argv[0], "worker"]  # faust parses argv itself
    run_worker()


@app.command()
def sink() -> None:
    """Index validated alerts and links into Elasticsearch (Ctrl-C to stop)."""
    from consumers import ElasticsearchSink

    # SIGTERM (docker stop, the demo) ends the loop, so the consumer leaves its group at
    # once instead of holding its partitions until the session times out.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stats = ElasticsearchSink().run(should_stop=stop.is_set)
    console.print(f"indexed {stats.indexed}, dead-lettered {stats.dead_lettered}")


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="a name in any script or order, or an identifier")],
    size: Annotated[int, typer.Option(help="results to show")] = 10,
    kind: Annotated[
        str, typer.Option(help="name, or an identifier kind: phone, document, account, plate, ...")
    ] = "name",
    country: Annotated[
        str | None, typer.Option(help="dialling country, issuing state or plate country")
    ] = None,
    platform: Annotated[str | None, typer.Option(help="for a handle, e.g. facebook")] = None,
    alerts: Annotated[bool, typer.Option(help="list the alerts naming the person instead")] = False,
) -> None:
    """Find a person (or an identifier's holders) with the links to other agencies' records."""
    from consumers import elasticsearch_client, search_names
    from consumers.render import entities_table, hits_table, lookup_table
    from consumers.search import IdentifierQuery, Search

    cfg = settings()
    es, prefix = elasticsearch_client(cfg), cfg.elasticsearch.index_prefix
    if alerts:
        console.print(hits_table(text, search_names(es, prefix, text, size)))
    elif kind == "name":
        console.print(
            entities_table(f"persons named like {text!r}", Search(es, prefix).persons(text, size))
        )
    else:
        try:
            result = Search(es, prefix).lookup(IdentifierQuery(kind, text, country, platform))
        except ValueError as err:
            console.print(f"[red]cannot look up:[/] {err}")
            raise typer.Exit(2) from err
        console.print(lookup_table(result))


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="default: BORDERLINK_API_HOST or 127.0.0.1")
    ] = None,
    port: Annotated[int | None, typer.Option(help="default: BORDERLINK_API_PORT or 18080")] = None,
) -> None:
    """Serve the search API and the investigator console (every request audited)."""
    import uvicorn

    from consumers.api import ApiSettings, build_app

    api = ApiSettings()
    host, port = host or api.host, port or api.port
    console.print(f"console: http://{host}:{port}/console/  API: http://{host}:{port}/openapi.json")
    uvicorn.run(build_app(settings(), api), host=host, port=port, log_level="info")


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="scenario seed (same seed, same alerts)")] = 7,
    networks: Annotated[int, typer.Option(help="trafficking networks to simulate")] = 4,
) -> None:
    """Start the stack and run a multi-agency, multi-country scenario end to end."""
    from borderlink.demo import run

    run(settings(), seed=seed, networks=networks)


@app.command("fit-model")
def fit_model(
    seed: Annotated[int, typer.Option(help="training scenario seed")] = 101,
    networks: Annotated[int, typer.Option(help="networks in the training scenario")] = 40,
    out: Annotated[Path | None, typer.Option(help="where to write the model JSON")] = None,
) -> None:
    """Refit the person model the workers load (u: random pairs; m: labelled pairs)."""
    from streams.training import DEFAULT_MODEL, fit_person_model

    model = fit_person_model(seed, networks)
    path = out or DEFAULT_MODEL
    model.save(path)
    console.print(f"model written to {path} (prior {model.prior:.3f}); restart the workers")


Analyst = Annotated[str, typer.Option(help="who decides, e.g. a user name")]
AnalystAgency = Annotated[str, typer.Option(help="the analyst's agency, e.g. co.fiscalia")]
Reason = Annotated[str, typer.Option(help="why, for the next analyst to review")]
CaseRef = Annotated[str | None, typer.Option(help="the case this belongs to")]


def _send_feedback(build: Callable[[], dict[str, Any]]) -> None:
    from producers.feedback import publish_feedback

    try:
        feedback = build()
    except ValueError as err:
        console.print(f"[red]refused:[/] {err}")
        raise typer.Exit(2) from err
    publish_feedback(feedback)
    console.print(f"feedback {feedback['feedback_id']} published on {topics.FEEDBACK}")


@feedback_app.command("undo")
def feedback_undo(
    link_id: Annotated[str, typer.Argument(help="the link to undo (its link_id)")],
    analyst: Analyst,
    agency: AnalystAgency,
    reason: Reason,
    case: CaseRef = None,
) -> None:
    """Undo a link: it stops merging entities and networks, for good."""
    from producers.feedback import undo_link

    _send_feedback(
        lambda: undo_link(link_id, analyst=analyst, agency=agency, reason=reason, case_ref=case)
    )


@feedback_app.command("split")
def feedback_split(
    record: Annotated[str, typer.Argument(help="<alert id>/<record id>, e.g. 9c1e.../p1")],
    analyst: Analyst,
    agency: AnalystAgency,
    reason: Reason,
    case: CaseRef = None,
) -> None:
    """Split a record out of its entity: every match link it has now is undone."""
    from producers.feedback import split_record

    _send_feedback(
        lambda: split_record(record, analyst=analyst, agency=agency, reason=reason, case_ref=case)
    )
