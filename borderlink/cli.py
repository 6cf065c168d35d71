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
    """Create the pipeline's topics and the topics of each agency named (in.<agency>,
    in.<agency>.disclosures, out.<agency>.notices)."""
    kafka = settings().kafka
    names = [
        *topics.pipeline_topics(),
        *(t for a in agencies or [] for t in topics.agency_topics(a)),
    ]
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


subscribe_app = typer.Typer(
    help="Analysts' subscriptions: standing queries whose matches go to sub.<analyst>, "
    "and a readable tail of the correlation topics.",
    no_args_is_help=True,
)
app.add_typer(subscribe_app, name="subscribe")
subscriptions_app = typer.Typer(
    help="The subscription matcher: percolates every alert, entity and link.",
    no_args_is_help=True,
)
app.add_typer(subscriptions_app, name="subscriptions")
Countries = Annotated[
    list[str] | None, typer.Option("--country", help="ISO country, repeatable: any of them")
]
Kinds = Annotated[
    list[str] | None,
    typer.Option("--kind", help="PERSON, PHONE, DOCUMENT, ACCOUNT, ... repeatable: any of them"),
]


@subscribe_app.command("add")
def subscribe_add(
    analyst: Annotated[str, typer.Option(help="who receives the matches: sub.<analyst>")],
    agency: AnalystAgency,
    country: Countries = None,
    kind: Kinds = None,
    name: Annotated[
        list[str] | None, typer.Option(help="watch-list name (fuzzy, any script), repeatable")
    ] = None,
    identifier: Annotated[
        list[str] | None,
        typer.Option(help="KIND:VALUE, e.g. phone:+50761234567, document:PA:AB123, repeatable"),
    ] = None,
    phone: Annotated[
        list[str] | None, typer.Option(help="+<code> number, or COUNTRY:number; repeatable")
    ] = None,
    document: Annotated[
        list[str] | None, typer.Option(help="ISSUING-STATE:number, e.g. PA:AB123; repeatable")
    ] = None,
    min_score: Annotated[float | None, typer.Option(help="links scoring at least this")] = None,
    min_decision: Annotated[
        str | None, typer.Option(help="MATCH, or POSSIBLE_MATCH to include links under review")
    ] = None,
    cross_border_only: Annotated[
        bool, typer.Option(help="only entities and links spanning two or more countries")
    ] = False,
    case: CaseRef = None,
) -> None:
    """Subscribe: matches of the rule (AND of the options given) go to sub.<analyst>."""
    from consumers.subscriptions import SubscriptionInvalid, new_subscription, publish_subscription

    watched = [
        *(identifier or []),
        *(f"phone:{p}" for p in phone or []),
        *(f"document:{d}" for d in document or []),
    ]
    try:
        sub = new_subscription(
            analyst=analyst,
            agency=agency,
            countries=country or [],
            kinds=kind or [],
            names=name or [],
            identifiers=watched,
            min_score=min_score,
            min_decision=min_decision,
            cross_border_only=cross_border_only,
            case_ref=case,
        )
    except SubscriptionInvalid as err:
        for problem in err.problems:
            console.print(f"[red]refused:[/] {problem}")
        raise typer.Exit(2) from err
    publish_subscription(sub)
    console.print(f"subscription {sub['subscription_id']}: matches go to {sub['topic']}")


@subscribe_app.command("list")
def subscribe_list(
    analyst: Annotated[str | None, typer.Option(help="only this analyst's")] = None,
) -> None:
    """The current subscriptions (the compacted topic read to its end)."""
    from rich.table import Table

    from consumers.subscriptions import read_subscriptions
    from consumers.subscriptions.rules import RULES

    subs = [s for s in read_subscriptions().values() if analyst in (None, s["analyst"])]
    table = Table(title=f"subscriptions: {len(subs)}", show_lines=True)
    table.add_column("id", overflow="fold")  # whole: `subscribe remove` takes it
    for column in ("analyst", "rule", "case", "since"):
        table.add_column(column)
    for sub in sorted(subs, key=lambda s: s["created_at"]):
        values = {r: sub[r] for r in RULES if sub[r] not in (None, False, [])}
        rules = [
            f"{r}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
            for r, v in values.items()
        ]
        table.add_row(
            sub["subscription_id"],
            f"{sub['analyst']}\n{sub['agency']}",
            "\n".join(rules),
            sub["case_ref"] or "-",
            f"{sub['created_at']:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@subscribe_app.command("remove")
def subscribe_remove(
    subscription_id: Annotated[str, typer.Argument(help="the id `subscribe list` shows")],
) -> None:
    """Remove a subscription (a tombstone on the compacted topic): no further matches."""
    from consumers.subscriptions import read_subscriptions, remove_subscription

    if subscription_id not in read_subscriptions():
        console.print(f"[red]no subscription {subscription_id}[/]")
        raise typer.Exit(1)
    remove_subscription(subscription_id)
    console.print(f"subscription {subscription_id} removed")


@subscribe_app.command("tail")
def subscribe_tail(
    topic: Annotated[
        str,
        typer.Argument(
            help="corr.links, corr.entities, corr.networks, hits.crossborder, sub.<analyst>"
        ),
    ] = topics.HITS,
    country: Countries = None,
    kind: Kinds = None,
    min_score: Annotated[float | None, typer.Option(help="links scoring at least this")] = None,
    from_beginning: Annotated[bool, typer.Option(help="from the oldest record kept")] = False,
    limit: Annotated[int | None, typer.Option(help="stop after this many lines")] = None,
) -> None:
    """One readable line per record: time, kind, countries, labels/score, why (Ctrl-C stops)."""
    from consumers.subscriptions import TailFilter, tail

    wanted = TailFilter(
        frozenset(c.upper() for c in country or []),
        frozenset(k.upper() for k in kind or []),
        min_score,
    )
    try:
        tail(settings(), topic, wanted, console.print, from_beginning, limit)
    except ValueError as err:
        console.print(f"[red]cannot tail:[/] {err}")
        raise typer.Exit(2) from err


@subscriptions_app.command("run")
def subscriptions_run() -> None:
    """Run the matcher: subscriptions in, matches to sub.<analyst> (Ctrl-C to stop)."""
    from consumers.subscriptions import SubscriptionMatcher

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # leave the group at once, as the sink
    stats = SubscriptionMatcher().run(should_stop=stop.is_set)
    console.print(f"records {stats.records}, matches {stats.matches}")


agency_app = typer.Typer(
    help="Agencies' Kafka logins: one SASL/SCRAM principal per agency, ACLs limiting it to "
    "its own topics (docs/access-control.md).",
    no_args_is_help=True,
)
app.add_typer(agency_app, name="agency")


def _agency_id(value: str) -> str:
    try:
        topics.inbound(value)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from err
    return value


AgencyId = Annotated[str, typer.Argument(help="agency id, e.g. gy.police", callback=_agency_id)]


@agency_app.command("add")
def agency_add(
    agency: AgencyId,
    password_file: Annotated[
        Path | None, typer.Option(help="write the password to this file (mode 0600), not stdout")
    ] = None,
) -> None:
    """Create the agency's login, its ACLs and its topics; again: a new password.

    The password is generated and shown once (on stdout, alone, so that
    PASSWORD=$(borderlink agency add gy.police) works) or written to --password-file.
    """
    from borderlink import acl

    kafka = settings().kafka
    admin = AdminClient(kafka.librdkafka())
    password = acl.generate_password()
    # The file first: a login whose password nobody kept would be useless.
    if password_file:
        acl.write_secret(password_file, password)
    acl.add_agency(admin, agency, password)
    topics.provision(
        admin, topics.agency_topics(agency), kafka.topic_partitions, kafka.topic_replication
    )
    notes = Console(stderr=True)
    notes.print(f"{acl.principal(agency)} (SASL {acl.SASL_MECHANISM}) may:")
    for binding in acl.agency_bindings(agency):
        notes.print(f"  {acl.describe(binding)}")
    notes.print("restart the stream workers so that they read the new topic")
    if password_file:
        notes.print(f"password written to {password_file}")
    else:
        notes.print("password (shown once):")
        print(password)


@agency_app.command("list")
def agency_list() -> None:
    """Every SCRAM login and principal with ACLs, and what each may do."""
    from rich.table import Table

    from borderlink import acl

    table = Table("user", "login", "ACLs")
    for user, access in acl.list_access(AdminClient(settings().kafka.librdkafka())).items():
        grants = "\n".join(sorted(acl.describe(b) for b in access.bindings)) or "-"
        table.add_row(user, "SCRAM" if access.login else "-", grants)
    console.print(table)


@agency_app.command("remove")
def agency_remove(agency: AgencyId) -> None:
    """Delete the agency's ACLs and login at once; its topics and their data stay."""
    from borderlink import acl

    deleted, had_login = acl.remove_agency(AdminClient(settings().kafka.librdkafka()), agency)
    login = "login" if had_login else "no login (there was none)"
    console.print(f"{acl.principal(agency)}: {login} and {deleted} ACL(s) removed")


audit_app = typer.Typer(
    help="The audit trail (<prefix>-audit): who searched, read, received or passed on what, "
    "when and why (docs/audit.md).",
    no_args_is_help=True,
)
app.add_typer(audit_app, name="audit")
AuditAgency = Annotated[
    str | None, typer.Option(help="the acting agency (who searched, read or passed on)")
]
AuditUser = Annotated[str | None, typer.Option(help="the acting user within the agency")]
AuditActions = Annotated[
    list[str] | None,
    typer.Option("--action", help="SEARCH, LOOKUP, SHARE, DISCLOSURE, ... repeatable: any of them"),
]
AuditCase = Annotated[str | None, typer.Option("--case", help="the case reference (why)")]
AuditRecipient = Annotated[
    str | None, typer.Option(help="the agency a SHARE or DISCLOSURE passed data to")
]
AuditSubject = Annotated[
    str | None, typer.Option(help="an id passed on, exactly, e.g. <alert id>/p1")
]
AuditAgreement = Annotated[str | None, typer.Option(help="the sharing agreement, id@version")]
AuditSince = Annotated[
    str | None, typer.Option(help="from: 30m, 2h, 7d ago, or an ISO time (UTC unless given)")
]
AuditUntil = Annotated[str | None, typer.Option(help="before: 30m, 2h, 7d ago, or an ISO time")]
AuditRefused = Annotated[bool, typer.Option("--refused", help="only refused requests (4xx)")]
AuditJson = Annotated[bool, typer.Option("--json", help="JSON for scripts instead of tables")]


def _audit_filter(
    agency: str | None,
    user: str | None,
    action: list[str] | None,
    case: str | None,
    recipient: str | None,
    subject: str | None,
    agreement: str | None,
    since: str | None,
    until: str | None,
    refused: bool,
) -> Any:
    from datetime import UTC, datetime

    from consumers.audit_log import AuditFilter, parse_actions, parse_time

    now = datetime.now(UTC)  # one instant for both ends: `--since 2h --until 1h` is 1 hour

    def when(value: str | None, option: str) -> datetime | None:
        try:
            return None if value is None else parse_time(value, now)
        except ValueError as err:
            raise typer.BadParameter(str(err), param_hint=option) from err

    try:
        actions = parse_actions(action or [])
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="'--action'") from err
    window = when(since, "'--since'"), when(until, "'--until'")
    try:
        return AuditFilter(
            agency, user, actions, case, recipient, subject, agreement, *window, refused
        )
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="'--since' / '--until'") from err


def _audit_read(read: Callable[[Any, str], Any]) -> Any:
    """``read(es, prefix)`` with the configured cluster; a clear message when it cannot."""
    from elastic_transport import ConnectionError as TransportConnectionError
    from elasticsearch import NotFoundError

    from consumers import elasticsearch_client
    from consumers.audit_log import index_name

    cfg = settings().elasticsearch
    try:
        return read(elasticsearch_client(settings()), cfg.index_prefix)
    except NotFoundError as err:
        console.print(f"[red]no index {index_name(cfg.index_prefix)}:[/] has the sink run yet?")
        raise typer.Exit(1) from err
    except TransportConnectionError as err:
        console.print(f"[red]cannot reach Elasticsearch at {cfg.url}[/]")
        raise typer.Exit(1) from err


@audit_app.command("search")
def audit_search(
    agency: AuditAgency = None,
    user: AuditUser = None,
    action: AuditActions = None,
    case: AuditCase = None,
    recipient: AuditRecipient = None,
    subject: AuditSubject = None,
    agreement: AuditAgreement = None,
    since: AuditSince = None,
    until: AuditUntil = None,
    refused: AuditRefused = False,
    # 10,000: Elasticsearch's default index.max_result_window
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="events to show")] = 50,
    json_lines: AuditJson = False,
) -> None:
    """Audit events matching every filter given, newest first."""
    from consumers import audit_log

    wanted = _audit_filter(
        agency, user, action, case, recipient, subject, agreement, since, until, refused
    )
    page = _audit_read(lambda es, prefix: audit_log.search(es, prefix, wanted, limit))
    if json_lines:
        for event in page.events:
            typer.echo(json.dumps(event, ensure_ascii=False, sort_keys=True))
    else:
        console.print(audit_log.events_table(page))


@audit_app.command("summary")
def audit_summary(
    agency: AuditAgency = None,
    user: AuditUser = None,
    action: AuditActions = None,
    case: AuditCase = None,
    recipient: AuditRecipient = None,
    subject: AuditSubject = None,
    agreement: AuditAgreement = None,
    since: AuditSince = None,
    until: AuditUntil = None,
    refused: AuditRefused = False,
    json_out: AuditJson = False,
) -> None:
    """Counts of matching events: by action and agency, by recipient, refused requests."""
    from consumers import audit_log

    wanted = _audit_filter(
        agency, user, action, case, recipient, subject, agreement, since, until, refused
    )
    counts = _audit_read(lambda es, prefix: audit_log.summary(es, prefix, wanted))
    if json_out:
        typer.echo(json.dumps(counts.as_dict(), ensure_ascii=False, sort_keys=True))
        return
    for table in audit_log.summary_tables(counts):
        console.print(table)
    if counts.truncated:
        console.print(
            f"[yellow]more than {audit_log.BUCKETS} rows in a table: narrow the filters[/]"
        )


disclosure_app = typer.Typer(
    help="Survivor hit notices and disclosure: what out.<agency>.notices told your agency, "
    "your requests to the agency holding a match, and your decisions on requests to you "
    "(docs/survivor-protection.md).",
    no_args_is_help=True,
)
app.add_typer(disclosure_app, name="disclosure")
DisclosingAgency = Annotated[
    str | None,
    typer.Option(help="your agency id; default: the Kafka login (BORDERLINK_KAFKA__SASL_USERNAME)"),
]
DisclosingUser = Annotated[str | None, typer.Option(help="who in your agency, for the audit")]


def _disclosing_agency(agency: str | None) -> str:
    chosen = agency or settings().kafka.sasl_username
    if not chosen:
        raise typer.BadParameter("name your agency (or log in as it)", param_hint="'--agency'")
    return _agency_id(chosen)


def _received(agency: str, kind: str, key: str, value: str) -> dict[str, Any]:
    """The ``kind`` record the agency received with ``key`` == ``value``, else exit 1."""
    from producers.disclosures import read_notices

    for name, record in read_notices(agency):
        if name == kind and record[key] == value:
            return record
    console.print(f"[red]{agency} received no {kind} with {key} {value}[/] (disclosure list)")
    raise typer.Exit(1)


def _send_disclosure(agency: str, kind: str, build: Callable[[], dict[str, Any]]) -> None:
    from rich.markup import escape

    from producers.disclosures import publish_disclosure

    try:
        record = build()
    except (ValueError, PermissionError) as err:
        console.print(f"[red]refused:[/] {escape(str(err))}")
        raise typer.Exit(2) from err
    publish_disclosure(agency, kind, record)
    console.print(f"{kind} {record['request_id']} published on {topics.disclosures(agency)}")


@disclosure_app.command("list")
def disclosure_list(agency: DisclosingAgency = None) -> None:
    """Hit notices, requests and decisions your agency received, in order."""
    from rich.markup import escape
    from rich.table import Table

    from producers.disclosures import read_notices

    agency = _disclosing_agency(agency)
    received = read_notices(agency)
    own = {r["hit_id"]: r["record_ref"] for kind, r in received if kind == "HitNotice"}
    table = Table(title=f"{topics.notices(agency)}: {len(received)}", show_lines=True)
    table.add_column("kind")
    table.add_column("id", overflow="fold")  # whole: request, approve and deny take it
    for column in ("your record", "other agency", "details", "at"):
        table.add_column(column, overflow="fold")
    for kind, r in received:
        if kind == "HitNotice":
            row = ["HIT", r["hit_id"], r["record_ref"], r["match_agency"], r["strength"]]
        elif kind == "DisclosureRequest":
            details = f"purpose: {r['purpose']}\ncase: {r['case_ref']}\nhit: {r['hit_id']}"
            row = ["REQUEST", r["request_id"], own.get(r["hit_id"], "-"), r["requester"], details]
        else:
            details = f"reason: {r['reason']}\ncontact: {r['contact'] or '-'}"
            row = [r["status"], r["request_id"], own.get(r["hit_id"], "-"), r["holder"], details]
        table.add_row(*map(escape, row), f"{r['at']:%Y-%m-%d %H:%M}")
    console.print(table)


@disclosure_app.command("request")
def disclosure_request(
    notice_id: Annotated[str, typer.Argument(help="the hit id of a notice `list` shows")],
    purpose: Annotated[str, typer.Option(help="why you ask, for the holder and the audit")],
    case: Annotated[str, typer.Option("--case", help="the case you ask for")],
    agency: DisclosingAgency = None,
    user: DisclosingUser = None,
) -> None:
    """Ask the agency that holds the matching record to disclose it (it alone decides)."""
    from producers.disclosures import new_request

    agency = _disclosing_agency(agency)
    notice = _received(agency, "HitNotice", "hit_id", notice_id)
    _send_disclosure(agency, "DisclosureRequest", lambda: new_request(notice, purpose, case, user))


RequestId = Annotated[str, typer.Argument(help="the id of a REQUEST `list` shows")]
DecisionReason = Annotated[str, typer.Option(help="why, for the requester and the audit")]


@disclosure_app.command("approve")
def disclosure_approve(
    request_id: RequestId,
    reason: DecisionReason,
    contact: Annotated[str, typer.Option(help="the contact point you will share through")],
    agency: DisclosingAgency = None,
    user: DisclosingUser = None,
) -> None:
    """Approve a request for your record: the requester gets your contact point."""
    from producers.disclosures import new_decision

    agency = _disclosing_agency(agency)
    request = _received(agency, "DisclosureRequest", "request_id", request_id)
    _send_disclosure(
        agency,
        "DisclosureDecision",
        lambda: new_decision(request, agency, True, reason, contact, user),
    )


@disclosure_app.command("deny")
def disclosure_deny(
    request_id: RequestId,
    reason: DecisionReason,
    agency: DisclosingAgency = None,
    user: DisclosingUser = None,
) -> None:
    """Deny a request for your record: nothing is shared."""
    from producers.disclosures import new_decision

    agency = _disclosing_agency(agency)
    request = _received(agency, "DisclosureRequest", "request_id", request_id)
    _send_disclosure(
        agency,
        "DisclosureDecision",
        lambda: new_decision(request, agency, False, reason, None, user),
    )
