"""A network's admin app over HTTP: a small Starlette service that embeds peernet.

Run it with any ASGI server (``uvicorn webapp:app``, with ``PEERNET_DB`` naming the
store), or build it in a test with `create_app(url, mailer=...)`. What it shows:

- ``POST /commands/{Command}``: the JSON body is turned into the command by
  `peernet.parse` (ids, enums, dates and amounts from their text), executed, and the
  events recorded come back (201). A rule that refuses is 409, bad input 422, both with
  peernet's rule and message (and the field at fault); a reader who may not see inside
  a group is 403; an unknown command 404.
- Reads take the reader from the ``X-Peernet-Reader`` header (``member:<membership id>``,
  ``facilitator:<name>``, ``auditor:<name>``, ``staff:<name>``): ``GET
  /groups/{id}/goals`` is confidential to the group, ``GET /groups/{id}/roster`` is not.
- Long lists page with cursors: ``GET /companies?limit=&cursor=&kind=&country=&name=``
  and ``GET /trail/{id}?limit=&cursor=`` answer ``{"items": [...], "next": cursor}``.
- A follower mails the facilitator when a member is flagged: it runs in the app's
  lifespan, on a thread of its own, and sees each flag once across restarts.

Why Starlette, not FastAPI: peernet already validates input (`peernet.parse` names the
field at fault, the rules refuse with a typed error), so FastAPI's pydantic models would
be a second schema of every command to keep in step; Starlette is the ASGI toolkit
FastAPI is built on, with the same test client, and nothing between a JSON body and
`peernet.parse`. Calls go through `AsyncNetwork`, so the event loop never waits on the
store.
"""

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol
from uuid import UUID

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import peernet
from peernet import (
    AccessDenied,
    AsyncNetwork,
    CompanyKind,
    InvalidInput,
    InvalidValue,
    MemberFlagged,
    Network,
    PeerNetError,
    Reader,
    Recorded,
    RuleViolation,
)
from peernet.adapters.codec import converter
from peernet.domain.network import DECIDERS

log = logging.getLogger("peernet.examples.webapp")

#: every peernet command, by its class name: ``POST /commands/RegisterCompany``
COMMANDS = {cls.__name__: cls for cls in DECIDERS}
READER_HEADER = "X-Peernet-Reader"


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


class LogMailer:
    """The mailer when none is given: one log line per mail."""

    def send(self, to: str, subject: str, body: str) -> None:
        log.info("mail to %s: %s", to, subject, extra={"body": body})


def json(data: Any, status: int = 200) -> Response:
    """A JSON response of any peernet value (views, pages, errors), as peernet writes it."""
    return Response(
        orjson.dumps(converter.unstructure(data)), status, media_type="application/json"
    )


def record_json(record: Recorded) -> dict[str, Any]:
    event = record.event
    return {
        "event": type(event).__name__,
        "data": converter.unstructure(event, type(event)),
        "stream_id": record.stream_id,
        "version": record.version,
        "position": record.position,
        "actor": record.actor,
        "command_id": record.command_id,
    }


def refusal(error: PeerNetError) -> Response:
    """409 for a rule that said no, 403 for a reader kept out, 422 for bad input; each
    with the rule, the message and the ids (the field at fault among them)."""
    status = 403 if isinstance(error, AccessDenied) else 409
    if isinstance(error, InvalidInput):
        status = 422
    body = {"rule": error.rule, "message": str(error), "ids": error.ids}
    return json(body, status)


def reader_of(request: Request) -> Reader | None:
    """The reader the header names; None (read as anonymous staff) when it is absent."""
    said = request.headers.get(READER_HEADER)
    if said is None:
        return None
    role, _, who = said.partition(":")
    try:
        match role.strip():
            case "member":
                return Reader.member(UUID(who.strip()))
            case "facilitator":
                return Reader.facilitator(who.strip())
            case "auditor":
                return Reader.auditor(who.strip())
            case "staff":
                return Reader.staff(who.strip())
    except ValueError:
        pass
    raise InvalidValue(
        f"{READER_HEADER} is member:<membership id>, facilitator:<name>, auditor:<name> "
        f"or staff:<name>, not {said!r}",
        field=READER_HEADER,
    )


def uuid_in(request: Request, name: str) -> UUID:
    try:
        return UUID(request.path_params[name])
    except ValueError:
        raise InvalidValue(f"{name} must be a UUID", field=name) from None


def flag_mails(network: Network, mailer: Mailer) -> Callable[[Recorded], None]:
    """The follower's handler: mail the group's facilitator about each flag."""

    def handle(record: Recorded) -> None:
        flag = record.event
        assert isinstance(flag, MemberFlagged)
        roster = network.roster(flag.group_id)
        company = network.company(flag.company_id).name
        mailer.send(
            to=roster.facilitator or "office",
            subject=f"{company} was flagged in {roster.name}",
            body=f"{flag.reason} (on {flag.at:%Y-%m-%d}); membership {flag.membership_id}",
        )

    return handle


def create_app(url: str | None = None, *, mailer: Mailer | None = None) -> Starlette:
    """The admin app on the store at `url` (default: ``PEERNET_DB``)."""
    network: AsyncNetwork | None = None

    def opened() -> AsyncNetwork:
        assert network is not None, "the app's lifespan opens the network"
        return network

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        nonlocal network
        network = await AsyncNetwork.open(url)
        handler = flag_mails(network.network, mailer or LogMailer())
        follower = network.network.follow("webapp.flag-mails", handler, events=[MemberFlagged])
        follower.start()
        app.state.follower = follower
        try:
            yield
        finally:
            await network.run(follower.stop)
            await network.aclose()

    async def execute(request: Request) -> Response:
        name = request.path_params["command"]
        command_type = COMMANDS.get(name)
        if command_type is None:
            return json({"rule": "known_command", "message": f"no command {name}"}, 404)
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError as error:
            return json({"rule": "valid_json", "message": f"the body is not JSON: {error}"}, 422)
        if not isinstance(body, dict):
            return json({"rule": "valid_json", "message": "the body is a JSON object"}, 422)
        command = peernet.parse(command_type, body)
        recorded = await opened().execute(command)
        return json({"recorded": [record_json(r) for r in recorded]}, 201)

    async def companies(request: Request) -> Response:
        q = request.query_params
        page = await opened().companies_page(
            limit=_limit(q.get("limit")),
            cursor=q.get("cursor"),
            kind=_kind(q.get("kind")),
            country=q.get("country"),
            name=q.get("name"),
        )
        return json(page)

    async def roster(request: Request) -> Response:
        return json(await opened().roster(uuid_in(request, "group_id")))

    async def goals(request: Request) -> Response:
        found = await opened().group_goals(uuid_in(request, "group_id"), reader=reader_of(request))
        return json({"items": found})

    async def trail(request: Request) -> Response:
        q = request.query_params
        page = await opened().trail_page(
            uuid_in(request, "subject_id"), limit=_limit(q.get("limit")), cursor=q.get("cursor")
        )
        items = [
            {"position": e.position, "name": e.name, "actor": e.actor, "at": e.at} for e in page
        ]
        return json({"items": items, "next": page.next})

    async def peernet_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, PeerNetError)
        return refusal(error)

    return Starlette(
        routes=[
            Route("/commands/{command}", execute, methods=["POST"]),
            Route("/companies", companies),
            Route("/groups/{group_id}/roster", roster),
            Route("/groups/{group_id}/goals", goals),
            Route("/trail/{subject_id}", trail),
        ],
        exception_handlers={RuleViolation: peernet_error, InvalidInput: peernet_error},
        lifespan=lifespan,
    )


def _limit(text: str | None) -> int:
    if text is None:
        return 50
    if not text.isdigit():
        raise InvalidValue(f"limit must be a whole number, not {text!r}", field="limit")
    return int(text)


def _kind(text: str | None) -> CompanyKind | None:
    if text is None:
        return None
    try:
        return CompanyKind(text)
    except ValueError:
        known = ", ".join(k.value for k in CompanyKind)
        raise InvalidValue(f"kind is one of {known}, not {text!r}", field="kind") from None


def __getattr__(name: str) -> Any:
    """`app` for an ASGI server: ``uvicorn webapp:app`` (the store is ``PEERNET_DB``)."""
    if name == "app":
        return create_app()
    raise AttributeError(name)
