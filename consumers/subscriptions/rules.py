"""An analyst's subscription: built from what the analyst typed, checked, and translated into
one Elasticsearch query over the documents of ``records``.

Every clause of the query is named ``<rule>:<value>``, so a match says which values of which
rule fields the record satisfied, whether the percolator or a batch search ran it.
"""

import hashlib
import math
import uuid
from collections.abc import Iterable
from typing import Any

from borderlink import topics
from borderlink.serde import now
from consumers.search.identifiers import IdentifierQuery, identifier_key
from schemas import enum_symbols
from streams.normalise import NormalisationError, country_alpha2
from streams.normalise.text import fold

KINDS = tuple(enum_symbols("EntityKind"))
# A minimum decision admits itself and every more confident one; UNDONE is no confidence.
DECISIONS_FROM = {"MATCH": ["MATCH"], "POSSIBLE_MATCH": ["MATCH", "POSSIBLE_MATCH"]}
RULES = (
    "countries",
    "kinds",
    "names",
    "identifiers",
    "min_score",
    "min_decision",
    "cross_border_only",
)
# Other words allowed between a watched name's words, e.g. a second given name or surname.
NAME_GAPS = 4
# Kinds whose key holds a country (or bank, platform) part before the value: "document:PA:AB1".
_QUALIFIED = frozenset({"phone", "document", "plate", "account"})


class SubscriptionInvalid(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def watch_key(text: str) -> str:
    """A watch-list identifier keyed as the worker keys it (``streams.identifiers``).

    ``text`` is ``<kind>:<value>`` in any format, with the country where the value needs one:
    ``phone:+507 6123-4567``, ``phone:PA:6123-4567``, ``document:PA:ab 123456``,
    ``handle:telegram:@maria_p``, ``account:CO:0123456789``. A key is its own watch key.
    Raises ValueError when the value cannot be keyed.
    """
    kind, sep, value = text.strip().partition(":")
    if not sep or not value:
        raise ValueError(f"{text!r} is not '<kind>:<value>', e.g. 'phone:+50761234567'")
    country = platform = None
    if kind == "handle" and ":" in value:
        platform, value = value.split(":", 1)
    elif kind in _QUALIFIED and ":" in value:
        head, rest = value.split(":", 1)
        if head == "IBAN":
            value = rest
        else:  # "CO:BANK:123": the bank is dropped, keys with and without it both match
            country, value = head, rest.rsplit(":", 1)[-1]
    return identifier_key(IdentifierQuery(kind.lower(), value, country, platform))


def decoded(record: dict[str, Any]) -> dict[str, Any]:
    """A Subscription as Avro decodes it, with its uuid id as the string it is keyed by."""
    return {**record, "subscription_id": str(record["subscription_id"])}


def problems(sub: dict[str, Any]) -> list[str]:
    """Every reason the Subscription record cannot run; [] when it can."""
    found = []
    try:
        if sub["topic"] != topics.subscription_topic(sub["analyst"]):
            found.append(f"topic {sub['topic']!r} is not sub.<analyst>")
    except ValueError as err:
        found.append(str(err))
    if not topics.AGENCY_ID.match(sub["agency"]):
        found.append(f"agency {sub['agency']!r} is not '<iso-country>.<code>', e.g. 'co.fiscalia'")
    found += [f"country {c!r} is not ISO alpha-2" for c in sub["countries"] if not _alpha2(c)]
    found += [f"kind {k!r} is not an EntityKind" for k in sub["kinds"] if k not in KINDS]
    found += [f"name {n!r} has no letters or digits" for n in sub["names"] if not fold(n)]
    for key in sub["identifiers"]:
        try:
            if watch_key(key) != key:
                found.append(f"identifier {key!r} is not normalised: {watch_key(key)!r}")
        except ValueError as err:
            found.append(f"identifier {key!r}: {err}")
    if sub["min_score"] is not None and not math.isfinite(sub["min_score"]):
        found.append("min_score is not a number")
    if sub["min_decision"] is not None and sub["min_decision"] not in DECISIONS_FROM:
        found.append(f"min_decision {sub['min_decision']!r} is not MATCH or POSSIBLE_MATCH")
    if not any(sub[rule] not in (None, False, []) for rule in RULES):
        found.append(f"no rule: set at least one of {', '.join(RULES)}")
    return found


def _alpha2(code: str) -> bool:
    return len(code) == 2 and code.isascii() and code.isalpha() and code.isupper()


def new_subscription(
    *,
    analyst: str,
    agency: str,
    countries: Iterable[str] = (),
    kinds: Iterable[str] = (),
    names: Iterable[str] = (),
    identifiers: Iterable[str] = (),
    min_score: float | None = None,
    min_decision: str | None = None,
    cross_border_only: bool = False,
    case_ref: str | None = None,
) -> dict[str, Any]:
    """A Subscription from what an analyst typed: countries to alpha-2 (alpha-3 accepted),
    kinds upper-cased, identifiers keyed (``watch_key``), names kept as typed.

    Raises SubscriptionInvalid with every problem."""
    found: list[str] = []
    codes, keys = [], []
    for country in countries:
        try:
            codes.append(country_alpha2(country))
        except NormalisationError as err:
            found.append(str(err))
    for text in identifiers:
        try:
            keys.append(watch_key(text))
        except ValueError as err:
            found.append(f"identifier {text!r}: {err}")
    sub = {
        "subscription_id": str(uuid.uuid4()),
        "analyst": analyst,
        "agency": agency,
        "topic": topics.SUBSCRIPTION_PREFIX + analyst,
        "countries": list(dict.fromkeys(codes)),
        "kinds": list(dict.fromkeys(k.upper() for k in kinds)),
        "names": list(dict.fromkeys(n.strip() for n in names)),
        "identifiers": list(dict.fromkeys(keys)),
        "min_score": min_score,
        "min_decision": min_decision.upper() if min_decision else None,
        "cross_border_only": cross_border_only,
        "case_ref": case_ref,
        "created_at": now(),
    }
    found += problems(sub)
    if found:
        raise SubscriptionInvalid(found)
    return sub


def _term(field: str, value: Any, name: str) -> dict[str, Any]:
    return {"term": {f"record.{field}": {"value": value, "_name": name}}}


def _any_of(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def name_clause(name: str, tag: str) -> dict[str, Any]:
    """Every folded word of the name, each within a typo (fuzziness AUTO), in any order and
    within NAME_GAPS words of each other: inside one name of the record, as the sink indexes
    a record's names with a wide position gap between them."""
    words = [{"fuzzy": {"term": word, "fuzziness": "AUTO"}} for word in fold(name).split()]
    rule = {"all_of": {"ordered": False, "max_gaps": NAME_GAPS, "intervals": words}}
    return {"intervals": {"record.search.names": {**rule, "_name": tag}}}


def rule_query(sub: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    """The subscription as one query: a filter per rule field set, any value within a field.

    ``name`` names the whole query and prefixes its clauses (``<name>|<rule>:<value>``), so
    several subscriptions can run as one search and each hit still says whose rules matched.
    """
    prefix = f"{name}|" if name else ""
    filters = []
    if sub["countries"]:
        countries = [_term("countries", c, f"{prefix}countries:{c}") for c in sub["countries"]]
        filters.append(_any_of(countries))
    if sub["kinds"]:
        filters.append(_any_of([_term("kinds", k, f"{prefix}kinds:{k}") for k in sub["kinds"]]))
    watched = [name_clause(n, f"{prefix}names:{n}") for n in sub["names"]]
    watched += [_term("identifiers", i, f"{prefix}identifiers:{i}") for i in sub["identifiers"]]
    if watched:
        filters.append(_any_of(watched))
    if sub["min_score"] is not None:
        bound = {"gte": sub["min_score"], "_name": f"{prefix}min_score:{sub['min_score']}"}
        filters.append({"range": {"record.score": bound}})
    if sub["min_decision"]:
        decisions = DECISIONS_FROM[sub["min_decision"]]
        tag = f"{prefix}min_decision:{sub['min_decision']}"
        filters.append({"terms": {"record.decision": decisions, "_name": tag}})
    if sub["cross_border_only"]:
        filters.append(_term("cross_border", True, f"{prefix}cross_border_only:true"))
    query: dict[str, Any] = {"bool": {"filter": filters}}
    if name:
        query["bool"]["_name"] = name
    return query


def reasons(names: Iterable[str]) -> list[dict[str, str]]:
    """SubscriptionReason records from matched clause names (``<rule>:<value>``)."""
    parsed = {tuple(n.split(":", 1)) for n in names if ":" in n}
    return [{"rule": rule, "value": value} for rule, value in sorted(parsed)]


def match_id(subscription_id: str, source: str, record_id: str, revision: str) -> str:
    """Deterministic, so a replayed record overwrites its match instead of adding one."""
    text = f"{subscription_id}|{source}|{record_id}|{revision}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]
