"""Seeded synthetic scenarios: alerts from many agencies about trafficking and smuggling
networks and unrelated background, with the ground truth of which records are the same
person, phone, document, account or vessel. For tests, demos and benchmarks."""

from .build import DEFAULT_START, Scenario, generate
from .noise import NOISE_KINDS

__all__ = ["DEFAULT_START", "NOISE_KINDS", "Scenario", "generate"]
