"""The REST API under /api: what the CLI does, for programs and for the console's own scripts.

Every route needs a user (bearer token, or the console's session with its CSRF header). Whoever
calls acts as their own unit; the timeline records their name. Refusals use the CLI's codes in
`{"error", "message"}` bodies: 422 invalid_input, 404 not_found, 403 forbidden, 409 invalid_state,
precondition_failed and conflict. Report and act take an `Idempotency-Key` header.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from documents import render_notice_html, render_notice_pdf
from documents.report import render_report
from engine.codes import plan_codes
from engine.errors import Forbidden
from engine.models import FactRevision, Notice
from engine.schemas import (
    MAX_INT,
    ClassifyIn,
    Flag,
    IncidentIn,
    Input,
    Instant,
    check_json_shape,
    limit,
    reason,
)
from engine.service import IncidentService
from web.accounts import Accounts, Principal
from web.auth import accounts_of, admin_user, api_user
from web.forms import fields_for
from web.idempotency import IdempotencyStore, Stored, fingerprint
from web.models import ApiToken, IdempotencyKey, User
from web.present import Rules
from web.scope import check_incident, check_street

STATUS = {
    "invalid_input": 422,
    "not_found": 404,
    "forbidden": 403,
    "invalid_state": 409,
    "precondition_failed": 409,
    "conflict": 409,
    "unauthorized": 401,
    "tampered": 409,
}
REPLAYED = "Idempotent-Replayed"


class ErrorBody(BaseModel):
    error: str = Field(
        description="invalid_input, not_found, forbidden, invalid_state, "
        "precondition_failed, conflict, unauthorized, tampered"
    )
    message: str


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (401, 403, 404, 409, 422)
}


class ReportRequest(IncidentIn):
    """A new report (the CLI's `incident report`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "address": "鹦鹉街3栋",
                    "street": "yingwu",
                    "condition": "imminent_collapse",
                    "discovered_at": "2026-11-22T02:40:00+08:00",
                    "people_at_risk": 120,
                }
            ]
        },
    )


class ClassifyRequest(ClassifyIn):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"condition": "partial_collapse", "dead": 12}]},
    )


class ActRequest(Input):
    """An action's time and data; it is taken as the caller's unit."""

    at: Instant | None = Field(default=None, description="When it happened (default now)")
    data: dict[str, Any] = Field(
        default_factory=dict, description="The action's data (its fields: GET /api/codes)"
    )
    actor: str | None = Field(default=None, description="Optional; must be your own unit")
    proxy: dict[str, Any] | None = Field(
        default=None,
        description='Recorded on a body\'s behalf (R11): {"for": body, '
        '"source": phone|fax|document|meeting, "conveyed_by", '
        '"reference"?}; your unit must be one of the plan\'s desks',
    )


DisplayName = Annotated[str, StringConstraints(max_length=limit(User, "display_name"))]
Password = Annotated[str, Field(min_length=8)]


class UserIn(Input):
    username: Annotated[str, StringConstraints(max_length=limit(User, "username"))]
    display_name: DisplayName
    unit: str = Field(description="The actor code of the user's unit (GET /api/codes)")
    password: Password
    is_admin: Flag = False
    street: str | None = Field(
        default=None,
        max_length=limit(User, "street"),
        description="A street office's street code (required for one, refused for others)",
    )


class UserPatch(Input):
    display_name: DisplayName | None = None
    unit: str | None = None
    is_admin: Flag | None = None
    active: Flag | None = None
    password: Password | None = None
    street: str | None = Field(
        default=None, max_length=limit(User, "street"), description="'' takes the street away"
    )


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    unit: str
    unit_name: str
    street: str | None
    is_admin: bool
    active: bool
    created_at: datetime
    last_login_at: datetime | None


class TokenIn(Input):
    name: Annotated[str, StringConstraints(min_length=1, max_length=limit(ApiToken, "name"))]


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    token: str | None = Field(default=None, description="The token itself: shown only once")


def service_of(request: Request) -> IncidentService:
    service: IncidentService = request.app.state.service
    return service


def idempotency_of(request: Request) -> IdempotencyStore:
    store: IdempotencyStore = request.app.state.idempotency
    return store


User_ = Annotated[Principal, Depends(api_user)]
Admin = Annotated[Principal, Depends(admin_user)]
Service = Annotated[IncidentService, Depends(service_of)]
IdemKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=limit(IdempotencyKey, "key"),
        description="Repeat a request safely: same key, one effect",
    ),
]
# Row ids are BIGINT; codes are the plan's snake_case names. Anything else is refused (422)
# before the database is asked.
RowId = Annotated[int, Path(ge=1, le=MAX_INT)]
CODE = r"^[A-Za-z0-9_]+$"
Unit = Annotated[str, Path(pattern=CODE, max_length=limit(Notice, "unit"))]
Kind = Annotated[str, Path(pattern=CODE, max_length=limit(Notice, "kind"))]
Action = Annotated[str, Path(pattern=CODE, max_length=limit(FactRevision, "action"))]


def _user_out(accounts: Accounts, user: User) -> UserOut:
    assert user.id is not None
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        unit=user.unit,
        unit_name=accounts.plan.actor_name(user.unit),
        street=user.street,
        is_admin=user.is_admin,
        active=user.active,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


def _token_out(token: ApiToken, plain: str | None = None) -> TokenOut:
    assert token.id is not None
    return TokenOut(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
        token=plain,
    )


def idempotent(
    request: Request,
    who: Principal,
    key: str | None,
    body: object,
    call: Callable[[], Stored],
    *,
    created: bool = False,
) -> JSONResponse:
    """Run a state-changing call once per Idempotency-Key; a replay gets the stored response."""
    print_ = fingerprint(request.method, request.url.path, body)
    stored, replayed = idempotency_of(request).run(who.user_id, key, print_, call)
    headers = {REPLAYED: "true"} if replayed else {}
    if created and isinstance(stored.body, dict):
        headers["Location"] = f"/api/incidents/{stored.body.get('id')}"
    return JSONResponse(stored.body, status_code=stored.status_code, headers=headers)


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class BoundedRoute(APIRoute):
    """A route whose JSON body is bounded in size and nesting (`check_json_shape`) before
    FastAPI parses it: a refusal, never a RecursionError. A form or a file upload is not JSON
    and is left to its own handler."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def bounded(request: Request) -> Response:
            body = await request.body()  # cached: the handler reads the same bytes
            form = request.headers.get("content-type", "").startswith(FORM_TYPES)
            if body and not form:
                check_json_shape(body, "body")
            return await handler(request)

        return bounded


router = APIRouter(prefix="/api", responses=ERRORS, route_class=BoundedRoute)


@router.get("/me", tags=["accounts"])
def me(who: User_, request: Request) -> dict[str, Any]:
    """The caller, with the unit they act as."""
    plan = service_of(request).plan
    return {
        "id": who.user_id,
        "username": who.username,
        "display_name": who.display_name,
        "unit": who.unit,
        "unit_name": plan.actor_name(who.unit),
        "street": who.street,
        "is_admin": who.is_admin,
    }


@router.get("/codes", tags=["plan"])
def codes(_: User_, service: Service) -> dict[str, Any]:
    """The plan's codes with their Chinese names (streets, conditions, levels, grades, actors),
    the states, and each action with its states and data fields (as `main.py codes`)."""
    return {
        **plan_codes(service.plan, service.workflow),
        "action_names": service.workflow.words.tables["ACTIONS"],
        "reminder_minutes_before": list(service.plan.alerts.reminder_minutes_before),
    }


@router.post("/classify", tags=["incidents"])
def classify(body: ClassifyRequest, _: User_, service: Service) -> dict[str, Any]:
    """Grade, response level, scope and reasons for a set of facts (nothing is recorded)."""
    return service.classify(body.model_dump(exclude_unset=True, mode="json"))


@router.post("/incidents", status_code=201, tags=["incidents"])
def report(
    body: ReportRequest,
    who: User_,
    service: Service,
    request: Request,
    idempotency_key: IdemKey = None,
    merge_into: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_INT,
            description="It is a duplicate of this open incident: log it and fold it in "
            "(R11 `merge`), in one step",
        ),
    ] = None,
) -> JSONResponse:
    """Log a new report, as the caller's unit. Responds 201 with the incident."""
    data = body.model_dump(exclude_unset=True, mode="json")
    check_street(who, data.get("street"))
    if merge_into is not None:
        check_incident(service, who, merge_into)

    def call() -> Stored:
        return Stored(
            201,
            service.report(data, actor=who.unit, person=who.display_name, merge_into=merge_into),
        )

    key_data = data if merge_into is None else {**data, "merge_into": merge_into}
    return idempotent(request, who, idempotency_key, key_data, call, created=True)


@router.post("/incidents/duplicates", tags=["incidents"])
def duplicates(body: ReportRequest, who: User_, service: Service) -> list[dict[str, Any]]:
    """Open incidents this report is likely a duplicate of (same street, a similar address,
    within the plan's window; R11), most alike first. Nothing is recorded."""
    data = body.model_dump(exclude_unset=True, mode="json")
    check_street(who, data.get("street"))
    return service.duplicates(data)


@router.get("/incidents/{incident_id}", tags=["incidents"])
def show(incident_id: RowId, who: User_, service: Service) -> dict[str, Any]:
    """The whole incident (a street office's account: of its own street only, else 403)."""
    check_incident(service, who, incident_id)
    return service.show(incident_id)


@router.get("/incidents/{incident_id}/actions", tags=["incidents"])
def my_actions(incident_id: RowId, who: User_, service: Service) -> list[dict[str, Any]]:
    """The actions the caller's unit may take on the incident now, with their data fields."""
    check_incident(service, who, incident_id)
    incident = service.show(incident_id)
    names = service.workflow.words.tables["ACTIONS"]
    return [
        {
            "action": a,
            "label": names.get(a, a),
            "fields": [
                {"name": f.name, "label": f.label, "required": f.required}
                for f in fields_for(service.plan, service.workflow, a)
            ],
        }
        for a in Rules(service.plan, service.workflow).actions_for(incident, who.unit)
    ]


@router.post("/incidents/{incident_id}/actions/{action}", tags=["incidents"])
def act(
    incident_id: RowId,
    action: Action,
    who: User_,
    service: Service,
    request: Request,
    body: Annotated[ActRequest | None, Body()] = None,
    idempotency_key: IdemKey = None,
) -> JSONResponse:
    """Take an action as the caller's unit; returns the incident after it."""
    body = body or ActRequest()
    if body.actor is not None and body.actor != who.unit:
        raise Forbidden(f"actor: you act as your own unit '{who.unit}', not '{body.actor}'")
    check_incident(service, who, incident_id)
    at = body.at.isoformat() if body.at else None

    def call() -> Stored:
        return Stored(
            200,
            service.act(
                incident_id,
                action,
                actor=who.unit,
                at=at,
                data=body.data,
                person=who.display_name,
                proxy=body.proxy,
            ),
        )

    return idempotent(request, who, idempotency_key, body.model_dump(mode="json"), call)


FORMATS = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


@router.get(
    "/incidents/{incident_id}/report",
    tags=["documents"],
    responses={200: {"content": {t: {} for t in FORMATS.values()}}},
)
def document(
    incident_id: RowId,
    who: User_,
    service: Service,
    format: Annotated[Literal["md", "html", "docx", "pdf"], Query()] = "md",
) -> Response:
    """The incident's investigation report (§5.2) as a file, marked 草稿 until submitted."""
    check_incident(service, who, incident_id)
    content = render_report(service.investigation_report(incident_id), format)
    return attachment(content, format, f"fangan-incident-{incident_id}")


@router.get(
    "/incidents/{incident_id}/notices/{unit}/{kind}",
    tags=["documents"],
    responses={200: {"content": {FORMATS["html"]: {}, FORMATS["pdf"]: {}}}},
)
def notice_document(
    incident_id: RowId,
    unit: Unit,
    kind: Kind,
    who: User_,
    service: Service,
    format: Annotated[Literal["html", "pdf"], Query()] = "pdf",
    occasion: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """A notice the incident produced, as issued, as a GB/T 9704 official document (the latest
    issue of it unless `occasion` names one)."""
    check_incident(service, who, incident_id)
    official = service.notice_document(incident_id, unit, kind, occasion)
    content = (
        render_notice_pdf(official)
        if format == "pdf"
        else render_notice_html(official).encode("utf-8")
    )
    return attachment(content, format, f"fangan-incident-{incident_id}-{unit}-{kind}")


def attachment(content: bytes, fmt: str, stem: str) -> Response:
    return Response(
        content,
        media_type=FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'},
    )


# -- accounts ---------------------------------------------------------------------------


@router.get("/users", tags=["accounts"])
def list_users(_: Admin, request: Request) -> list[UserOut]:
    accounts = accounts_of(request)
    return [_user_out(accounts, u) for u in accounts.list_users()]


@router.post("/users", status_code=201, tags=["accounts"])
def create_user(body: UserIn, _: Admin, request: Request) -> UserOut:
    accounts = accounts_of(request)
    return _user_out(
        accounts,
        accounts.create_user(
            body.username,
            body.display_name,
            body.unit,
            body.password,
            is_admin=body.is_admin,
            street=body.street,
        ),
    )


@router.patch("/users/{user_id}", tags=["accounts"])
def update_user(user_id: RowId, body: UserPatch, _: Admin, request: Request) -> UserOut:
    accounts = accounts_of(request)
    return _user_out(accounts, accounts.update_user(user_id, **body.model_dump(exclude_unset=True)))


@router.get("/tokens", tags=["accounts"])
def list_tokens(who: User_, request: Request) -> list[TokenOut]:
    return [_token_out(t) for t in accounts_of(request).tokens(who.user_id)]


@router.post("/tokens", status_code=201, tags=["accounts"])
def create_token(body: TokenIn, who: User_, request: Request) -> TokenOut:
    """A bearer token for the caller; its value is in this response only."""
    token, plain = accounts_of(request).issue_token(who.user_id, body.name)
    return _token_out(token, plain)


@router.delete("/tokens/{token_id}", tags=["accounts"])
def revoke_token(token_id: RowId, who: User_, request: Request) -> TokenOut:
    return _token_out(accounts_of(request).revoke_token(who.user_id, token_id))


def field_errors(errors: list[Any]) -> tuple[str, list[dict[str, str]]]:
    """Pydantic's errors → 'field: reason' with the field's dotted name (body. dropped)."""
    fields = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header"):
            loc = loc[1:] or loc
        fields.append({"field": ".".join(loc) or "body", "message": reason(err)})
    message = "; ".join(f"{f['field']}: {f['message']}" for f in fields) or "invalid input"
    return message, fields
