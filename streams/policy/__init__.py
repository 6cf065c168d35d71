"""The policy stage: sharing agreements as data, releasability, redaction, per-agency shares."""

from .agreements import Agreement, PolicyError, ResultKind, load_agreements
from .release import Policy, Recipient, Release, Source
from .stage import PolicyStage

__all__ = [
    "Agreement",
    "Policy",
    "PolicyError",
    "PolicyStage",
    "Recipient",
    "Release",
    "ResultKind",
    "Source",
    "load_agreements",
]
