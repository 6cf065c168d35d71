"""`generate`: a seeded scenario of alerts, with the truth about who and what they describe."""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations
from typing import Any

from producers.validation import SUBJECT_FIELDS

from .background import build_background, hubs
from .network import TEMPLATES, Network
from .render import Renderer
from .story import tell
from .world import World

# Fixed, so output never depends on the clock; two months before the contract's tests run.
DEFAULT_START = datetime(2026, 9, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Scenario:
    alerts: list[dict[str, Any]]  # Avro-ready Alert records, by reported_at
    # (alert_id, record_id) -> true entity id ("<subject array>:<scope>.<name>") of every
    # subject record; records with the same entity id describe the same person or thing.
    truth: dict[tuple[str, str], str]

    def true_pairs(self, kind: str = "persons") -> set[frozenset[tuple[str, str]]]:
        """Every pair of record refs of one subject array that describe the same entity."""
        if kind not in SUBJECT_FIELDS:
            raise ValueError(f"kind {kind!r} is not one of the Alert's subject arrays")
        groups: defaultdict[str, list[tuple[str, str]]] = defaultdict(list)
        for ref, entity in self.truth.items():
            if entity.startswith(f"{kind}:"):
                groups[entity].append(ref)
        return {frozenset(pair) for refs in groups.values() for pair in combinations(refs, 2)}


def generate(
    seed: int = 7, networks: int = 3, noise: float = 0.3, start: datetime | None = None
) -> Scenario:
    """A scenario of `networks` trafficking or smuggling networks plus unrelated background.

    Same arguments, same scenario. `noise` (0 to 1) is how often another agency writes an
    entity differently from the first; it draws from its own random stream, so changing
    it changes how records are written, never which alerts exist. Events fall within
    about 50 days of `start` (default 2026-09-01 UTC): a later start can put reported_at
    in the future, which validation refuses.
    """
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise {noise} is not between 0 and 1")
    if networks < 0:
        raise ValueError(f"networks {networks} is negative")
    start = start or DEFAULT_START
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware (UTC across borders)")
    world_rng = random.Random(seed)
    world = World(world_rng, start.astimezone(UTC).replace(microsecond=0))
    hotline, agent = hubs(world)
    templates = list(TEMPLATES)
    world_rng.shuffle(templates)
    # The Darién route brings migrants from further away, with names in other scripts:
    # every scenario with a network has one.
    darien = next(i for i, t in enumerate(templates) if t.name == "darien")
    if networks and darien >= networks:
        slot = world_rng.randrange(min(networks, len(templates)))
        templates[slot], templates[darien] = templates[darien], templates[slot]
    built = [
        Network(world, k + 1, templates[k % len(templates)], hotline, agent)
        for k in range(networks)
    ]
    for network in built:
        tell(network)
    build_background(world, hotline, agent, [network.recruiter for network in built])
    renderer = Renderer(random.Random(f"{seed}:noise"), noise)
    alerts: list[dict[str, Any]] = []
    truth: dict[tuple[str, str], str] = {}
    # Written in publication order: the first agency to publish an entity writes it clean.
    for draft in sorted(world.drafts, key=lambda d: (d.reported_at, d.alert_id)):
        alert, refs = renderer.alert(draft)
        alerts.append(alert)
        truth |= refs
    return Scenario(alerts, truth)
