"""The search API and the console it serves.

Every ``/api/`` request names the caller's agency (``X-Borderlink-Agency``) or is refused,
and every one, refused or not, is audited before its answer leaves: who, what, why, when.
The console (static files, no build step) is served from ``/console/``.
"""

from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from borderlink.serde import now
from consumers.search import (
    KINDS,
    EntityHit,
    IdentifierQuery,
    LookupResult,
    NetworkView,
    Sighting,
)

from .audit import AuditSink, AuditUnavailable, audit_event
from .caller import read_caller

T = TypeVar("T")
CONSOLE = Path(__file__).resolve().parents[1] / "console"


class SearchLayer(Protocol):
    """What the API needs of ``consumers.search.Search`` (tests pass a fake)."""

    def persons(self, text: str, size: int = 10) -> list[EntityHit]: ...
    def lookup(self, query: IdentifierQuery) -> LookupResult: ...
    def entity(self, entity_id: str) -> EntityHit | None: ...
    def network(self, entity_id: str) -> NetworkView | None: ...
    def timeline(self, entity_id: str) -> list[Sighting] | None: ...


def audited(action: str) -> Callable[[Request], None]:
    """A route's AuditAction, for the audit record the middleware writes."""

    def tag(request: Request) -> None:
        request.state.action = action

    return tag


def disclosed(request: Request, count: int) -> None:
    request.state.results = count


def _found(value: T | None, entity_id: str) -> T:
    if value is None:
        raise HTTPException(404, f"no current entity {entity_id!r} (retired or unknown)")
    return value


class NoView(LookupError):
    """Raised by a `views` factory for an agency nothing is released to."""


def create_app(
    views: Callable[[str], SearchLayer],
    audit: AuditSink,
    lifespan: Callable[[FastAPI], Any] | None = None,
) -> FastAPI:
    """`views(agency)`: search over what the policy stage released to that agency (its
    views), never over everything; raises NoView for an agency with none."""
    # No /docs or /redoc: their pages load scripts from a CDN, which deployments cannot reach
    # (and should not: it would tell a third party who reads the API). /openapi.json stays.
    app = FastAPI(
        title="Borderlink search", version="1", lifespan=lifespan, docs_url=None, redoc_url=None
    )

    @app.middleware("http")
    async def audit_every_request(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if not request.url.path.startswith("/api/"):
            return await call_next(request)
        arrived = now()
        caller = read_caller(request.headers)

        def event(status: int) -> dict[str, Any]:
            state = request.state
            return audit_event(
                caller,
                getattr(state, "action", "OTHER"),
                f"{request.method} {request.url.path}",
                request.url.query,
                status,
                getattr(state, "results", 0),
                arrived,
            )

        if caller.problem:
            response: Response = JSONResponse({"detail": caller.problem}, status_code=400)
        else:
            try:
                response = await call_next(request)
            except Exception:
                # A request that failed (e.g. Elasticsearch down) is audited too, as a 500.
                with suppress(AuditUnavailable):
                    await audit.record(event(500))
                raise
        try:
            await audit.record(event(response.status_code))
        except AuditUnavailable:
            return JSONResponse(
                {"detail": "the audit log is unavailable: nothing is disclosed until it is back"},
                status_code=503,
            )
        return response

    def view(request: Request) -> SearchLayer:
        agency = read_caller(request.headers).agency
        try:
            return views(agency)
        except NoView as err:
            raise HTTPException(403, str(err)) from err

    View = Annotated[SearchLayer, Depends(view)]

    @app.get("/api/search", dependencies=[Depends(audited("SEARCH"))])
    def search_persons(
        request: Request,
        search: View,
        q: Annotated[str, Query(min_length=1, max_length=200, description="a name, any script")],
        size: Annotated[int, Query(ge=1, le=50)] = 10,
    ) -> dict[str, Any]:
        """Person entities named like ``q``, best first, each with the links explaining it."""
        results = search.persons(q, size)
        disclosed(request, len(results))
        return {"query": q, "results": results}

    @app.get("/api/lookup", dependencies=[Depends(audited("LOOKUP"))])
    def lookup(
        request: Request,
        search: View,
        kind: Annotated[str, Query(description=f"one of {', '.join(KINDS)}")],
        value: Annotated[str, Query(min_length=1, max_length=300)],
        country: Annotated[str | None, Query(max_length=3)] = None,
        platform: Annotated[str | None, Query(max_length=40)] = None,
    ) -> LookupResult:
        """Records holding the identifier (keyed as the worker keys it) and their entities."""
        try:
            result = search.lookup(IdentifierQuery(kind, value, country or None, platform))
        except ValueError as err:
            raise HTTPException(422, str(err)) from err
        disclosed(request, len(result.sightings) + len(result.entities))
        return result

    @app.get("/api/entities/{entity_id}", dependencies=[Depends(audited("VIEW_ENTITY"))])
    def entity(request: Request, entity_id: str, search: View) -> EntityHit:
        found = _found(search.entity(entity_id), entity_id)
        disclosed(request, 1)
        return found

    @app.get("/api/entities/{entity_id}/network", dependencies=[Depends(audited("VIEW_NETWORK"))])
    def network(request: Request, entity_id: str, search: View) -> NetworkView:
        found = _found(search.network(entity_id), entity_id)
        disclosed(request, len(found.network["entities"]))
        return found

    @app.get("/api/entities/{entity_id}/timeline", dependencies=[Depends(audited("TIMELINE"))])
    def timeline(request: Request, entity_id: str, search: View) -> dict[str, Any]:
        sightings = _found(search.timeline(entity_id), entity_id)
        disclosed(request, len(sightings))
        return {"entity_id": entity_id, "sightings": sightings}

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/console/")

    app.mount("/console", StaticFiles(directory=CONSOLE, html=True), name="console")
    return app
