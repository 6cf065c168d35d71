"""Topic names and provisioning: the one place the pipeline's topics are defined.

Agencies publish to ``in.<agency>`` (alerts) and ``in.<agency>.<name>`` (e.g. disclosures),
and read ``out.<agency>.<name>``. Workers find the inbound topics on the broker when they
start (faust does not subscribe by pattern), so onboarding an agency is: create its topics
(``agency_topics``), then restart the workers one by one. Topics are created explicitly
(auto-create is off).
"""

import re
from collections.abc import Iterable

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic
from confluent_kafka.error import KafkaError

from schemas.catalog import enum_symbols

INBOUND_PREFIX = "in."
VALID_ALERTS = "alerts.valid"
LINKS = "corr.links"
HUBS = "corr.hubs"
ENTITIES = "corr.entities"
NETWORKS = "corr.networks"
HITS = "hits.crossborder"
FEEDBACK = "corr.feedback"
AUDIT = "audit"  # who searched or read what, and why (AuditEvent)
# Analysts' standing queries (Subscription), keyed by id; compacted, so the latest definition
# (or its tombstone) of each survives and a matcher rebuilds them all on start.
SUBSCRIPTIONS = "subscriptions"
SUBSCRIPTION_PREFIX = "sub."  # + analyst id: one topic of SubscriptionMatch per analyst
COMPACTED = frozenset({SUBSCRIPTIONS})


def dead_letter(stage: str) -> str:
    return f"dlq.{stage}"


AGENCY_ID = re.compile(r"^[a-z]{2}\.[a-z0-9][a-z0-9-]{1,30}$")
AGENCY_KINDS = tuple(enum_symbols("AgencyKind"))


def is_audience(value: str) -> bool:
    """Who a marking may name: an agency id ('tt.police'), an ISO 3166-1 alpha-2 country
    code ('TT') or an agency kind ('POLICE')."""
    country = len(value) == 2 and value.isalpha() and value.isupper()
    return bool(AGENCY_ID.match(value)) or country or value in AGENCY_KINDS


def inbound(agency: str) -> str:
    """``gy.police`` -> ``in.gy.police``; the agency id is ISO 3166-1 alpha-2 + '.' + code."""
    if not AGENCY_ID.match(agency):
        raise ValueError(
            f"agency id {agency!r} is not '<iso-country>.<code>' (e.g. 'gy.police', 'co.migracion')"
        )
    return INBOUND_PREFIX + agency


OUTBOUND_PREFIX = "out."


def outbound(agency: str, name: str) -> str:
    """``tt.police``, ``shared`` -> ``out.tt.police.shared``: what the agency may read. Named
    ``out.<agency>.<name>`` so the agency's prefixed READ ACL (``out.<agency>.``) covers
    them and no other agency's."""
    return f"{OUTBOUND_PREFIX}{inbound(agency)[len(INBOUND_PREFIX) :]}.{name}"


def disclosures(agency: str) -> str:
    """``in.gy.police.disclosures``: the agency's disclosure requests and decisions."""
    return f"{inbound(agency)}.disclosures"


def notices(agency: str) -> str:
    """``out.gy.police.notices``: survivor hit notices and the disclosure requests and
    decisions addressed to the agency."""
    return outbound(agency, "notices")


def agency_topics(agency: str) -> list[str]:
    """Every topic of one agency, created with it (``borderlink agency add``, ``topics``)."""
    return [inbound(agency), disclosures(agency), notices(agency), outbound(agency, "shared")]


def agency_of(inbound_topic: str) -> str:
    """``in.gy.police`` -> ``gy.police``; ValueError for anything else."""
    agency = inbound_topic.removeprefix(INBOUND_PREFIX)
    if agency == inbound_topic or not AGENCY_ID.match(agency):
        raise ValueError(f"{inbound_topic!r} is not an agency's alert topic in.<agency>")
    return agency


# Lowercase, no '_': Kafka warns that '.' and '_' collide in metric names.
ANALYST_ID = re.compile(r"^[a-z0-9](?:[a-z0-9.-]{0,62}[a-z0-9])?$")


def subscription_topic(analyst: str) -> str:
    """``jdoe`` -> ``sub.jdoe``: where the matches of the analyst's subscriptions go."""
    if not ANALYST_ID.match(analyst):
        raise ValueError(
            f"analyst id {analyst!r} is not lowercase letters, digits, '.' and '-' (e.g. 'jdoe')"
        )
    return SUBSCRIPTION_PREFIX + analyst


def pipeline_topics() -> list[str]:
    return [
        VALID_ALERTS,
        LINKS,
        HUBS,
        ENTITIES,
        NETWORKS,
        HITS,
        FEEDBACK,
        AUDIT,
        SUBSCRIPTIONS,
        dead_letter("validate"),
        dead_letter("feedback"),
        dead_letter("graph"),
        dead_letter("sink"),
        dead_letter("publish"),
        dead_letter("import"),
        dead_letter("subscriptions"),
        dead_letter("survivors"),
        dead_letter("policy"),
    ]


def provision(
    admin: AdminClient,
    names: Iterable[str],
    partitions: int = 3,
    replication: int = 1,
    compacted: Iterable[str] = COMPACTED,
) -> list[str]:
    """Create the topics that do not exist yet (those in ``compacted`` with compaction);
    returns the ones created."""
    existing = set(admin.list_topics(timeout=10).topics)
    wanted = [n for n in dict.fromkeys(names) if n not in existing]
    if not wanted:
        return []
    futures = admin.create_topics(
        [
            NewTopic(
                n,
                num_partitions=partitions,
                replication_factor=replication,
                config={"cleanup.policy": "compact"} if n in set(compacted) else {},
            )
            for n in wanted
        ]
    )
    created = []
    for name, future in futures.items():
        try:
            future.result()
            created.append(name)
        except KafkaException as err:
            if err.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
    return created


def discover_inbound(admin: AdminClient) -> list[str]:
    """Every ``in.<agency>`` alert topic on the broker, sorted (not ``in.<agency>.<name>``)."""
    found = admin.list_topics(timeout=10).topics
    prefix = len(INBOUND_PREFIX)
    return sorted(t for t in found if t[:prefix] == INBOUND_PREFIX and AGENCY_ID.match(t[prefix:]))
