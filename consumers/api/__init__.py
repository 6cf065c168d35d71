"""The investigators' HTTP API and console: ``borderlink serve``."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from borderlink.settings import Settings
from consumers.search import NoView as NoSearchView
from consumers.search import Search
from consumers.sink import elasticsearch_client

from .app import NoView, SearchLayer, create_app
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
    "NoView",
    "SearchLayer",
    "audit_event",
    "build_app",
    "create_app",
    "read_caller",
]


def build_app(config: Settings, api: ApiSettings | None = None) -> FastAPI:
    """The API on the agencies' views of the real indices, and the audit topic of ``config``."""
    audit = AuditLog(config, (api or ApiSettings()).audit_timeout_s)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        audit.close()  # deliver what is in flight before the process ends

    es, prefix = elasticsearch_client(config), config.elasticsearch.index_prefix

    def views(agency: str) -> Search:
        try:
            return Search(es, prefix, agency)
        except NoSearchView as err:
            raise NoView(str(err)) from err

    return create_app(views, audit, lifespan)
