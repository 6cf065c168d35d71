"""Investigator search over the indices the sink writes.

``Search`` is the surface the API and the CLI use: persons by name, an identifier by value,
an entity, its network and the timeline of its sightings; every entity comes with the links
that explain why its records are one. ``search_names`` (alerts naming a person) is the
older, alert-level view.
"""

from .alerts import AlertHit, search_names
from .entities import EntityHit
from .identifiers import KINDS, IdentifierQuery, identifier_key
from .links import why
from .service import NoView, Search
from .views import LookupResult, NetworkView, Sighting

__all__ = [
    "KINDS",
    "AlertHit",
    "EntityHit",
    "IdentifierQuery",
    "LookupResult",
    "NetworkView",
    "NoView",
    "Search",
    "Sighting",
    "identifier_key",
    "search_names",
    "why",
]
