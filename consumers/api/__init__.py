"""The investigators' HTTP API and console: ``borderlink serve``."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from borderlink.settings import Settings
from consumers.search import Search
from consumers.sink import elasticsearch_client

from .app import SearchLayer, create_app
from .audit import AuditLog, AuditSink, AuditUnavailable, audit_event
from .caller import AGENCY_HEADER, CASE_HEADER, USER_HEADER, Caller, read_caller
from .settings import ApiSettings

__all__ = [
    "AGENCY_HEADER",
    "CASE_HEADER",
    "USER_HEADER",
    "ApiSettings",
    "AuditLog",
    "AuditSink",
    "AuditUnavailable",
    "Caller",
    "SearchLayer",
    "audit_event",
    "build_app",
    "create_app",
    "read_caller",
]


def build_app(config: Settings, api: ApiSettings | None = None) -> FastAPI:
    """The API on the real search indices and audit topic of ``config``."""
    audit = AuditLog(config, (api or ApiSettings()).audit_timeout_s)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        audit.close()  # deliver what is in flight before the process ends

    search = Search(elasticsearch_client(config), config.elasticsearch.index_prefix)
    return create_app(search, audit, lifespan)
