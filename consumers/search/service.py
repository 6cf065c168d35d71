"""``Search``: the one object the API and the CLI query."""

from elasticsearch import Elasticsearch

from .. import indices
from .entities import EntityHit, entities_holding, get_entity, with_links
from .identifiers import IdentifierQuery, candidates_query, holders, holding, identifier_key
from .names import search_persons
from .views import (
    MAX_ALERTS,
    LookupResult,
    NetworkView,
    Sighting,
    fetch_alerts,
    fetch_hits,
    fetch_network,
    timeline,
)


class NoView(LookupError):
    """The agency has no view: no sharing agreement names it, so nothing is released to it."""


class Search:
    """Searches the pipeline's full indices, or with `agency` only that agency's views: what
    the policy stage released to it, in the same shapes (consumers.indices.create_views)."""

    def __init__(self, es: Elasticsearch, prefix: str, agency: str | None = None) -> None:
        self.es = es
        self.index = {name: spec.name for name, spec in indices.specs(prefix).items()}
        if agency is not None:
            views = indices.views(prefix, agency)
            if not es.indices.exists_alias(name=views["entities"]):
                raise NoView(
                    f"agency {agency!r} has no view: no sharing agreement releases anything "
                    "to it (ask the operators to add it to one)"
                )
            self.index |= views

    def persons(self, text: str, size: int = 10) -> list[EntityHit]:
        """Person entities named like ``text``, best first, each with its links."""
        found = search_persons(self.es, self.index["entities"], text, size)
        return with_links(self.es, self.index["links"], found)

    def lookup(self, query: IdentifierQuery) -> LookupResult:
        """Records holding the identifier, and the entities (holders first) they belong to.

        Raises ValueError when the value cannot be keyed."""
        key = identifier_key(query)
        response = self.es.search(
            index=self.index["alerts"],
            query=candidates_query(key),
            size=MAX_ALERTS,
            source_excludes=["search", "indexed_at"],
        )
        alerts, records, persons = [], {}, set()
        for hit in response["hits"]["hits"]:
            alert = hit["_source"]
            held = holding(alert, key)
            if held:
                alert_id = str(alert["alert_id"])
                alerts.append(alert)
                records[alert_id] = held
                persons |= {(alert_id, person) for person in holders(alert, held)}
        refs = {(alert_id, r) for alert_id, held in records.items() for r in held}
        found = entities_holding(self.es, self.index["entities"], refs | persons)
        found.sort(key=lambda e: (e.kind != "PERSON", e.entity_id))
        return LookupResult(
            key, timeline(alerts, records), with_links(self.es, self.index["links"], found)
        )

    def entity(self, entity_id: str) -> EntityHit | None:
        found = get_entity(self.es, self.index["entities"], entity_id)
        return with_links(self.es, self.index["links"], [found])[0] if found else None

    def network(self, entity_id: str) -> NetworkView | None:
        """The current network of the entity: its entities, edges and cross-border hits."""
        found = get_entity(self.es, self.index["entities"], entity_id)
        if found is None or found.network_id is None:
            return None
        network = fetch_network(self.es, self.index["networks"], found.network_id)
        if network is None:
            return None
        hits = fetch_hits(self.es, self.index["hits"], found.network_id)
        return NetworkView(entity_id, network, hits)

    def timeline(self, entity_id: str) -> list[Sighting] | None:
        """The alerts that reported the entity, oldest first, wherever they come from."""
        found = get_entity(self.es, self.index["entities"], entity_id)
        if found is None:
            return None
        records: dict[str, list[str]] = {}
        for alert_id, record_id in sorted(found.refs):
            records.setdefault(alert_id, []).append(record_id)
        return timeline(fetch_alerts(self.es, self.index["alerts"], list(records)), records)
