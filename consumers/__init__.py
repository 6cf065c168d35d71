"""Landing side: the Elasticsearch sink and investigator search."""

from .search import AlertHit, search_names
from .sink import ElasticsearchSink, SinkSettings, SinkStats, elasticsearch_client

__all__ = [
    "AlertHit",
    "ElasticsearchSink",
    "SinkSettings",
    "SinkStats",
    "elasticsearch_client",
    "search_names",
]
