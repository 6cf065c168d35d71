"""Standing queries over a batch of records, on Elasticsearch: which subscriptions match
which records, and through which rule values.

With the percolator module (every full distribution; the compose deployment) each query is
stored once in a ``percolator`` field, and one ``percolate`` request over many documents
answers for all subscriptions. The local stack's integ-test-zip node has no percolator: there
the batch is indexed into ``<prefix>-percolating`` and the same queries run as one search over
it, each named after its subscription. Both answer in one shape, ``Hit``.
"""

import uuid
from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol

from elasticsearch import Elasticsearch, helpers

from consumers.indices import PERCOLATED_PROPERTIES

from .rules import rule_query

SLOT = "_percolator_document_slot"


class Hit(NamedTuple):
    slot: int  # the document's position in the batch
    subscription_id: str
    clauses: list[str]  # the named clauses it satisfied: "<rule>:<value>"


class Percolator(Protocol):
    def percolate(
        self, documents: list[dict[str, Any]], subscriptions: Mapping[str, dict[str, Any]]
    ) -> list[Hit]: ...


def has_percolator(es: Elasticsearch) -> bool:
    """True when every node has the percolator module (or plugin)."""
    nodes = es.nodes.info(metric="plugins")["nodes"].values()
    return all(
        any(m["name"] == "percolator" for m in [*node.get("modules", []), *node["plugins"]])
        for node in nodes
    )


class StoredPercolator:
    """``percolate`` over the queries stored in the subscriptions index, many documents per
    request; ES reports each hit's matching slots and, per slot, its named clauses."""

    def __init__(self, es: Elasticsearch, index: str, max_subscriptions: int = 10_000) -> None:
        self.es, self.index, self.max = es, index, max_subscriptions

    def percolate(
        self, documents: list[dict[str, Any]], subscriptions: Mapping[str, dict[str, Any]]
    ) -> list[Hit]:
        if not documents or not subscriptions:
            return []
        response = self.es.search(
            index=self.index,
            query={"percolate": {"field": "rule_query", "documents": documents}},
            size=self.max,
            source=False,
            track_total_hits=True,
        )
        if response["hits"]["total"]["value"] > self.max:
            raise RuntimeError(f"more than {self.max} subscriptions match one batch")
        return [
            Hit(slot, hit["_id"], hit["fields"].get(f"{SLOT}_{slot}_matched_queries", []))
            for hit in response["hits"]["hits"]
            for slot in hit["fields"][SLOT]
        ]


class BatchSearchPercolator:
    """The same queries as searches over the batch, indexed for the purpose: one bulk write
    (refreshed), one multi-search of ``chunk`` subscriptions per search, one bulk delete."""

    def __init__(self, es: Elasticsearch, index: str, chunk: int = 200) -> None:
        self.es, self.index, self.chunk = es, index, chunk

    def ensure(self) -> None:
        mappings = {
            "dynamic": "strict",
            "properties": {"batch": {"type": "keyword"}, **PERCOLATED_PROPERTIES},
        }
        if not self.es.indices.exists(index=self.index):
            # Refreshed by each batch when written: no periodic refreshes needed.
            settings = {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": -1}
            self.es.options(ignore_status=400).indices.create(
                index=self.index, settings=settings, mappings=mappings
            )
        self.es.indices.put_mapping(index=self.index, properties=mappings["properties"])

    def percolate(
        self, documents: list[dict[str, Any]], subscriptions: Mapping[str, dict[str, Any]]
    ) -> list[Hit]:
        if not documents or not subscriptions:
            return []
        batch = uuid.uuid4().hex  # matchers of one group share the index: batches by id
        ids = [f"{batch}-{slot}" for slot in range(len(documents))]
        writes = [
            {"_index": self.index, "_id": i, "_source": {**doc, "batch": batch}}
            for i, doc in zip(ids, documents, strict=True)
        ]
        helpers.bulk(self.es, writes, refresh=True)
        try:
            return self._search(batch, len(documents), subscriptions)
        finally:
            deletes = [{"_op_type": "delete", "_index": self.index, "_id": i} for i in ids]
            helpers.bulk(self.es, deletes, raise_on_error=False)  # leftovers: other batch ids

    def _search(
        self, batch: str, size: int, subscriptions: Mapping[str, dict[str, Any]]
    ) -> list[Hit]:
        ids = list(subscriptions)
        searches: list[dict[str, Any]] = []
        for start in range(0, len(ids), self.chunk):
            should = [rule_query(subscriptions[s], name=s) for s in ids[start : start + self.chunk]]
            query = {"bool": {"filter": [{"term": {"batch": batch}}], "should": should}}
            query["bool"]["minimum_should_match"] = 1
            searches += [{"index": self.index}, {"query": query, "size": size, "_source": False}]
        hits = []
        for response in self.es.msearch(searches=searches)["responses"]:
            if "error" in response:
                raise RuntimeError(f"subscription search failed: {response['error']}")
            for hit in response["hits"]["hits"]:
                slot = int(hit["_id"].rsplit("-", 1)[1])
                hits += split_named(slot, hit.get("matched_queries", []), subscriptions)
        return hits


def split_named(
    slot: int, names: list[str], subscriptions: Mapping[str, dict[str, Any]]
) -> list[Hit]:
    """One search hit, whose named queries are ``<subscription id>`` for each subscription
    that matched as a whole and ``<id>|<rule>:<value>`` for its clauses, as one Hit each."""
    matched = [name for name in names if name in subscriptions]
    clauses: dict[str, list[str]] = {s: [] for s in matched}
    for name in names:
        owner, sep, clause = name.partition("|")
        if sep and owner in clauses:
            clauses[owner].append(clause)
    return [Hit(slot, s, clauses[s]) for s in matched]
