"""Kafka access per agency: one SASL/SCRAM principal and the ACLs of what it may touch.

Agency ``gy.police`` logs in as ``User:gy.police`` (SCRAM-SHA-512) and may only:

- write its inbound topic ``in.gy.police`` and its other inbound topics, the ones named
  ``in.gy.police.<anything>`` (disclosure requests and decisions);
- read its outbound topics, the ones named ``out.gy.police.<anything>``;
- use consumer groups named ``gy.police.<anything>`` (to read the above).

Brokers run with ``allow.everyone.if.no.acl.found=false``, so everything else is refused.
Details and what a deployment must add: docs/access-control.md.
"""

import os
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialDeletion,
    UserScramCredentialUpsertion,
)
from pydantic import SecretStr

from borderlink import topics
from borderlink.settings import KafkaSettings

MECHANISM = ScramMechanism.SCRAM_SHA_512
SASL_MECHANISM = "SCRAM-SHA-512"  # the same, as librdkafka spells it
SCRAM_ITERATIONS = 8192  # Kafka accepts 4096..16384
OUTBOUND_PREFIX = topics.OUTBOUND_PREFIX
ANY_HOST = "*"


def principal(agency: str) -> str:
    return f"User:{agency}"


def outbound_prefix(agency: str) -> str:
    """``out.gy.police.``: the trailing dot matters. Agency codes may hold '-' but no second
    '.', so ``out.gy.police.`` is never a prefix of ``out.gy.police-2.…`` (another agency)."""
    topics.inbound(agency)  # validates the id
    return f"{OUTBOUND_PREFIX}{agency}."


def inbound_prefix(agency: str) -> str:
    """``in.gy.police.``: the agency's inbound topics beside its alert topic (e.g.
    ``in.gy.police.disclosures``); the trailing dot as for ``outbound_prefix``."""
    return f"{topics.inbound(agency)}."


def group_prefix(agency: str) -> str:
    """Consumer groups ``gy.police.<name>``; the trailing dot as for ``outbound_prefix``."""
    topics.inbound(agency)
    return f"{agency}."


def agency_bindings(agency: str) -> list[AclBinding]:
    """The ACLs of one agency, and nothing more.

    No explicit DESCRIBE: Kafka's READ and WRITE imply it (metadata, offsets). No
    IDEMPOTENT_WRITE on the cluster: since Kafka 3.0 (KIP-679) an idempotent producer, such
    as the SDK's, needs only WRITE on a topic.
    """
    prefixed, literal = ResourcePatternType.PREFIXED, ResourcePatternType.LITERAL
    grants = [
        (ResourceType.TOPIC, topics.inbound(agency), literal, AclOperation.WRITE),
        (ResourceType.TOPIC, inbound_prefix(agency), prefixed, AclOperation.WRITE),
        (ResourceType.TOPIC, outbound_prefix(agency), prefixed, AclOperation.READ),
        (ResourceType.GROUP, group_prefix(agency), prefixed, AclOperation.READ),
    ]
    return [
        AclBinding(kind, name, pattern, principal(agency), ANY_HOST, op, AclPermissionType.ALLOW)
        for kind, name, pattern, op in grants
    ]


def _acls_of(user: str | None) -> AclBindingFilter:
    """Every ACL of ``user`` (``User:<name>``), or of everyone when None."""
    return AclBindingFilter(
        ResourceType.ANY,
        None,
        ResourcePatternType.ANY,
        user,
        None,
        AclOperation.ANY,
        AclPermissionType.ANY,
    )


def generate_password() -> str:
    return secrets.token_urlsafe(32)


def write_secret(path: Path, secret: str) -> None:
    """Write ``secret`` to ``path`` readable by its owner only (0600, also when it existed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        os.fchmod(out.fileno(), 0o600)  # the mode of os.open applies to new files only
        out.write(secret + "\n")


def client_settings(
    bootstrap_servers: str, agency: str, password: str, security_protocol: str = "SASL_PLAINTEXT"
) -> KafkaSettings:
    """Client settings for an agency's producers and consumers; SASL_SSL beyond loopback."""
    return KafkaSettings(
        bootstrap_servers=bootstrap_servers,
        security_protocol=security_protocol,
        sasl_mechanism=SASL_MECHANISM,
        sasl_username=agency,
        sasl_password=SecretStr(password),
    )


def add_agency(admin: AdminClient, agency: str, password: str) -> None:
    """Create the agency's SCRAM login and ACLs. Again: same ACLs, the password replaced."""
    bindings = agency_bindings(agency)  # validates the id before touching the broker
    upsert = UserScramCredentialUpsertion(
        agency, ScramCredentialInfo(MECHANISM, SCRAM_ITERATIONS), password.encode()
    )
    for future in admin.alter_user_scram_credentials([upsert]).values():
        future.result()
    for future in admin.create_acls(bindings).values():
        future.result()


def remove_agency(admin: AdminClient, agency: str) -> tuple[int, bool]:
    """Delete the agency's ACLs and SCRAM login: (ACLs deleted, whether it had a login).
    Its topics and their data stay."""
    topics.inbound(agency)
    futures = admin.delete_acls([_acls_of(principal(agency))])
    deleted = sum(len(future.result()) for future in futures.values())
    deletion = UserScramCredentialDeletion(agency, MECHANISM)
    try:
        for future in admin.alter_user_scram_credentials([deletion]).values():
            future.result()
    except KafkaException as err:
        if err.args[0].code() != KafkaError.RESOURCE_NOT_FOUND:
            raise
        return deleted, False
    return deleted, True


@dataclass
class Access:
    login: bool = False  # has a SCRAM credential
    bindings: list[AclBinding] = field(default_factory=list)


def list_access(admin: AdminClient) -> dict[str, Access]:
    """Every user with a SCRAM login or an ACL, by name (agencies and any other principal)."""
    found: defaultdict[str, Access] = defaultdict(Access)
    for user in admin.describe_user_scram_credentials().result():
        found[user].login = True
    for binding in admin.describe_acls(_acls_of(None)).result():
        found[binding.principal.removeprefix("User:")].bindings.append(binding)
    return dict(sorted(found.items()))


def describe(binding: AclBinding) -> str:
    """``WRITE in.gy.police`` / ``READ out.gy.police.*``: one ACL, readably."""
    star = "*" if binding.resource_pattern_type == ResourcePatternType.PREFIXED else ""
    deny = "" if binding.permission_type == AclPermissionType.ALLOW else "DENY "
    kind = binding.restype.name.lower()
    return f"{deny}{binding.operation.name} {kind} {binding.name}{star}"
