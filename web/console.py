"""The duty officer's console: server-rendered pages in Simplified Chinese.

Pages are plain HTML forms (they work without JavaScript); htmx polls two fragments — the
dashboard's incident list and the incident page's live part — so alerts and other users' actions
appear without a reload. Every form carries the session's CSRF token; report and action forms
also carry an idempotency key, so a double submit runs once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from loguru import logger
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from engine.errors import FanganError
from engine.lifecycle import FormField
from web import api, forms
from web import incident_page as page
from web.accounts import Principal, principal
from web.api import service_of
from web.auth import (
    CSRF_FIELD,
    WebSettings,
    accounts_of,
    attempt_login,
    csrf_ok,
    csrf_token,
    hashing,
    log_in,
    log_out,
    session_of,
    session_user,
)
from web.idempotency import IdempotencyStore, Stored, fingerprint
from web.pools import expert_choices
from web.present import (
    Labels,
    Rules,
    compact_timeline,
    my_pending_notices,
    notice_counts,
    open_deadlines,
)
from web.scope import check_incident, check_street

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))

REFUSALS = {
    "invalid_input": "输入有误",
    "not_found": "找不到",
    "forbidden": "无权操作",
    "invalid_state": "当前状态不允许此操作",
    "precondition_failed": "前提条件未满足",
    "conflict": "操作冲突",
}
FACT_HISTORY_KINDS = ("reported", "verified", "level_raised", "level_lowered", "facts_updated")


class LoginRequired(Exception):
    """Raised by console routes without a valid session; answered with a redirect to /login."""


class CsrfFailed(Exception):
    """A console form without the session's CSRF token: nothing is done."""


class PageError(Exception):
    """A console request refused by the web layer itself (e.g. a non-administrator)."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


class Countdown(NamedTuple):
    css: str  # ok | soon | late
    text: str


def _span(seconds: float) -> str:
    seconds = int(abs(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}小时{minutes:02d}分" if hours else f"{minutes:02d}:{secs:02d}"


def countdown(due_iso: str, now: datetime, reminder_seconds: float) -> Countdown:
    """The server's first rendering of a countdown; console.js keeps it ticking."""
    left = (datetime.fromisoformat(due_iso) - now).total_seconds()
    if left < 0:
        return Countdown("late", f"已超时 {_span(left)}")
    return Countdown("soon" if left <= reminder_seconds else "ok", f"剩余 {_span(left)}")


def web_settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.web_settings
    return settings


def current(request: Request) -> Principal:
    who = session_user(request)
    if who is None:
        raise LoginRequired
    return who


def flash(request: Request, kind: str, text: str) -> None:
    session_of(request)["flash"] = {"kind": kind, "text": text}


def refusal_text(exc: FanganError, request: Request | None = None) -> str:
    """The refusal in the officer's words: its kind, the field named, the reason (times in
    local time when the request is at hand)."""
    return refused(request, exc)[1]


def refused(
    request: Request | None, exc: FanganError, fields: tuple[FormField, ...] = ()
) -> tuple[forms.FieldError, str]:
    """The refusal placed (the field it is about) and as one line for the top of the page."""
    service = service_of(request) if request is not None else None
    labels = Labels(service.plan, service.workflow.words) if service is not None else None
    error = forms.field_error(exc.message, fields, labels)
    kind = REFUSALS.get(exc.code, "操作未完成")
    if error.name is None and error.text == forms.GENERIC:  # nothing better to say than its kind
        return error, kind
    return error, f"{kind}：{error.text}"


def errors_beside(prefix: str, error: forms.FieldError) -> dict[str, str]:
    """`field_errors` for the templates: the refusal keyed by the field it goes beside."""
    return {f"{prefix}:{error.name}": error.text} if error.name else {}


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render a page with what every page needs: user, CSRF token, labels, clock, flash.
    Fragments (templates named '_…', polled) leave the flash for the next whole page."""
    service = service_of(request)
    plan = service.plan
    who = session_user(request)
    now = service.now()
    reminder = max(plan.alerts.reminder_minutes_before, default=0) * 60
    labels = Labels(plan, service.workflow.words)
    base = {
        "user": who,
        "unit_name": plan.actor_name(who.unit) if who else "",
        "csrf": csrf_token(request),
        "L": labels,
        "flash": None if name.startswith("_") else session_of(request).pop("flash", None),
        "plan": plan,
        "server_now": now.isoformat(),
        "now_text": labels.time(now.isoformat()),
        "reminder_seconds": reminder,
        "poll_seconds": web_settings(request).poll_seconds,
        "countdown": lambda due: countdown(due, now, reminder),
        **service.workflow.words.tables,
        "REFUSALS": REFUSALS,
        "open_deadlines": open_deadlines,
        "forms": forms,
    }
    return TEMPLATES.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


async def checked_form(request: Request) -> FormData:
    """The posted form, after the CSRF check (a failed check is a 403 page, nothing done)."""
    form = await request.form()
    token = form.get(CSRF_FIELD)
    if not csrf_ok(request, token if isinstance(token, str) else None):
        logger.warning("CSRF check failed on {}", request.url.path)
        raise CsrfFailed
    return form


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def run_once(
    request: Request, who: Principal, form: FormData, call: Any
) -> tuple[dict[str, Any], bool]:
    """A console submit through the idempotency store (key: the form's hidden `idem`)."""
    store: IdempotencyStore = request.app.state.idempotency
    key = text(form, "idem") or None
    body = {k: form.getlist(k) for k in sorted(form.keys()) if k not in (CSRF_FIELD, "idem")}
    stored, replayed = store.run(
        who.user_id,
        f"console:{key}" if key else None,
        fingerprint("POST", request.url.path, body),
        lambda: Stored(200, call()),
    )
    result: dict[str, Any] = stored.body
    return result, replayed


router = APIRouter(include_in_schema=False)


# -- login -------------------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


def _safe_next(target: str) -> str:
    """Only local paths: a login link must not send the officer to another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


def too_many(wait: int) -> str:
    return f"登录尝试过于频繁，请 {wait} 秒后再试"


@router.post("/login")
async def login(request: Request) -> Response:
    form = await checked_form(request)
    username = text(form, "username")
    target = _safe_next(text(form, "next") or "/")
    user, wait = await attempt_login(request, username, str(form.get("password", "")))
    if user is None:
        page = render(
            request,
            "login.html",
            {
                "next": target,
                "username": username,
                "error": too_many(wait) if wait else "用户名或密码不正确",
            },
            status_code=429 if wait else 401,
        )
        if wait:
            page.headers["Retry-After"] = str(wait)
        return page
    await run_in_threadpool(log_in, request, principal(user))
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    await checked_form(request)
    await run_in_threadpool(log_out, request)
    return RedirectResponse("/login", status_code=303)


# -- report intake -----------------------------------------------------------------------


def _report_context(
    request: Request,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    field_errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    plan = service_of(request).plan
    now_local = service_of(request).now().astimezone(ZoneInfo(plan.plan.timezone))
    labels = Labels(plan, service_of(request).workflow.words)
    names = {
        "grades": {
            g: labels.grade(g)
            for g in [*(g.code for g in plan.grading.grades), plan.grading.default_grade.code]
        },
        "levels": {lv: labels.level(lv) for lv in plan.levels},
    }
    return {
        "kit": forms.FormKit(plan, service_of(request).workflow, None, ""),
        "values": values or {"discovered_at": now_local.strftime("%Y-%m-%dT%H:%M")},
        "error": error,
        "idem": uuid.uuid4().hex,
        "names": names,
        "field_errors": field_errors or {},
    }


@router.get("/report")
def report_page(request: Request) -> HTMLResponse:
    current(request)
    return render(request, "report.html", _report_context(request))


@router.post("/report")
async def report(request: Request) -> Response:
    who = current(request)
    form = await checked_form(request)
    service = service_of(request)
    zone = ZoneInfo(service.plan.plan.timezone)
    try:
        data = forms.parse(
            forms.fields_for(service.plan, service.workflow, "report"), form, form.getlist
        )
        data["discovered_at"] = forms.local_instant(
            text(form, "discovered_at"), zone, "discovered_at"
        )
        data["drill"] = bool(form.get("drill"))
        check_street(who, data.get("street"))
        incident, _ = run_once(
            request,
            who,
            form,
            lambda: service.report(data, actor=who.unit, person=who.display_name),
        )
    except FanganError as exc:
        values = {k: form.get(k) for k in form}
        error, message = refused(
            request, exc, forms.fields_for(service.plan, service.workflow, "report")
        )
        return render(
            request,
            "report.html",
            _report_context(request, values, message, errors_beside("r", error)),
            status_code=api.STATUS.get(exc.code, 400),
        )
    flash(request, "ok", f"已登记事件 #{incident['id']}")
    return RedirectResponse(f"/incidents/{incident['id']}", status_code=303)


# -- the incident page -------------------------------------------------------------------


def _facts_history(incident: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e
        for e in incident["timeline"]
        if e["kind"] in FACT_HISTORY_KINDS and (e["kind"] == "reported" or e["data"].get("changes"))
    ]


def _form_values(
    incident: dict[str, Any],
    open_action: str | None,
    values: dict[str, Any] | None,
    prefilled: dict[str, dict[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """What each action form starts with: the refused submission, or the drafted report, or
    what the workflow drafts for it (`prefilled`)."""
    investigation = incident.get("investigation") or {}
    drafted = investigation.get("draft_sections") or {}
    out: dict[str, dict[str, Any]] = {
        **(prefilled or {}),
        "submit_report": {f"sections.{k}": v for k, v in drafted.items()},
    }
    if open_action is not None:
        out[open_action] = values or {}
    return out


def _incident_context(
    request: Request,
    who: Principal,
    incident: dict[str, Any],
    *,
    open_action: str | None = None,
    values: dict[str, Any] | None = None,
    action_error: str | None = None,
    picked: dict[str, Any] | None = None,
) -> dict[str, Any]:
    service = service_of(request)
    rules = Rules(service.plan, service.workflow)
    steps = page.next_steps(rules, incident, who.unit)
    if open_action is None and steps and steps[0].mine and steps[0].action:
        open_action, values = steps[0].action, steps[0].values
    actions = [a for a in rules.actions_for(incident, who.unit) if page.applies(incident, a)]
    # The pool is read only when a form this unit may fill in offers it.
    wants_pool = any(
        f.kind == "pool"
        for a in actions
        for f in forms.fields_for(service.plan, service.workflow, a)
    )
    pool, in_pool = expert_choices(request, incident["id"]) if wants_pool else ([], [])
    picked = {k: v for k, v in (picked or {}).items() if isinstance(v, str)}
    drafted = {a: service.workflow.prefill(service.plan, incident, a, picked) for a in actions}
    prefilled = {a: start for a, start in drafted.items() if start}
    if picked.get("redraft") in prefilled:
        open_action = picked["redraft"]
        values = prefilled[open_action]
    return {
        "kit": forms.FormKit(
            service.plan, service.workflow, incident, who.unit, tuple(pool), tuple(in_pool)
        ),
        "form_values": _form_values(incident, open_action, values, prefilled),
        "redraftable": set(prefilled),
        "steps": steps,
        "level_words": page.level_words(rules.labels, incident),
        "state_words": page.state_words(rules.labels, incident),
        "deadlines": page.deadlines_in_order(incident),
        "notice_units": page.notices_by_unit(incident, page.deliveries(service, incident["id"])),
        "phone_ok": who.unit in service.plan.proxy.phone_confirmers,
        "field_errors": {},
        "i": incident,
        "button_text": rules.labels.button,
        "actions": actions,
        "others": [
            (a, names)
            for a, names in rules.others_waiting(incident, who.unit)
            if page.applies(incident, a)
        ],
        "key": rules.actions_key(incident, who.unit),
        "my_notices": my_pending_notices(incident, who.unit),
        "fact_history": _facts_history(incident),
        "open_action": open_action,
        "action_error": action_error,
        "idem": uuid.uuid4().hex,
        "timeline": compact_timeline(incident["timeline"]),
        "notice_counts": notice_counts(incident),
    }


def _show(request: Request, incident_id: int) -> dict[str, Any]:
    """The incident, if this account may see it (a street office: its own street's only)."""
    check_incident(service_of(request), session_user(request), incident_id)
    return service_of(request).show(incident_id)


@router.get("/incidents/{incident_id}")
def incident_page(request: Request, incident_id: int) -> HTMLResponse:
    who = current(request)
    incident = _show(request, incident_id)
    # `redraft=ACTION` with the picked values (kind, to) redrafts that action's form.
    picked = dict(request.query_params)
    return render(
        request, "incident.html", _incident_context(request, who, incident, picked=picked)
    )


@router.get("/incidents/{incident_id}/live")
def incident_live(request: Request, incident_id: int, k: str = "") -> HTMLResponse:
    """The polled part of the incident page; the actions panel comes along (out of band) only
    when what this unit may do has changed."""
    who = current(request)
    context = _incident_context(request, who, _show(request, incident_id))
    context["oob_actions"] = context["key"] != k
    return render(request, "_incident_live.html", context)


@router.post("/incidents/{incident_id}/act/{action}")
async def act(request: Request, incident_id: int, action: str) -> Response:
    who = current(request)
    form = await checked_form(request)
    service = service_of(request)
    zone = ZoneInfo(service.plan.plan.timezone)
    label = service.workflow.words.tables["ACTIONS"].get(action, action)
    check_incident(service, who, incident_id)
    try:
        data = forms.parse(
            forms.fields_for(service.plan, service.workflow, action), form, form.getlist
        )
        at = forms.local_instant(text(form, "at"), zone, "at")
        run_once(
            request,
            who,
            form,
            lambda: service.act(
                incident_id, action, actor=who.unit, at=at, data=data, person=who.display_name
            ),
        )
    except FanganError as exc:
        if exc.code == "not_found":
            raise
        incident = _show(request, incident_id)
        error, message = refused(
            request, exc, forms.fields_for(service.plan, service.workflow, action)
        )
        flash(request, "error", f"「{label}」未执行。{message}")
        values = {k: form.get(k) for k in form}
        context = _incident_context(
            request, who, incident, open_action=action, values=values, action_error=message
        )
        context["field_errors"] = errors_beside(action, error)
        return render(request, "incident.html", context, status_code=api.STATUS.get(exc.code, 400))
    flash(request, "ok", f"已执行：{label}")
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


@router.post("/incidents/{incident_id}/units/{unit}/phone")
async def phone_confirmed(request: Request, incident_id: int, unit: str) -> Response:
    """已电话确认: the desk rang the unit, which confirmed its notices; recorded as that unit's
    acknowledgement (the engine's own action) with who called whom (SPEC R11, 代录)."""
    who = current(request)
    form = await checked_form(request)
    service = service_of(request)
    confirmers = service.plan.proxy.phone_confirmers
    if who.unit not in confirmers:
        desks = (service.plan.actors[u].acts_for or u for u in confirmers)  # a desk: its unit
        names = "、".join(dict.fromkeys(service.plan.actor_name(u) for u in desks))
        raise PageError(403, f"只有{names}的值班人员可以登记电话确认")
    check_incident(service, who, incident_id)
    if not any(n["unit"] == unit for n in _show(request, incident_id)["notices"]):
        raise PageError(404, f"事件 #{incident_id} 没有发给这个单位的通知")
    labels = Labels(service.plan, service.workflow.words)
    callee = text(form, "person")
    person = (
        f"电话确认：{callee or labels.actor(unit)}；"
        f"{who.display_name}（{labels.actor(who.unit)}）代录"
    )
    try:
        at = forms.local_instant(text(form, "at"), ZoneInfo(service.plan.plan.timezone), "at")
        run_once(
            request,
            who,
            form,
            lambda: service.act(
                incident_id, "acknowledge", actor=unit, at=at, data={}, person=person
            ),
        )
    except FanganError as exc:
        if exc.code == "not_found":
            raise
        flash(request, "error", f"电话确认未登记。{refusal_text(exc, request)}")
        return RedirectResponse(f"/incidents/{incident_id}#notices", status_code=303)
    flash(request, "ok", f"已登记电话确认：{labels.actor(unit)}已收到通知")
    return RedirectResponse(f"/incidents/{incident_id}#notices", status_code=303)


# -- accounts ----------------------------------------------------------------------------


@router.get("/account")
def account_page(request: Request) -> HTMLResponse:
    who = current(request)
    return render(
        request,
        "account.html",
        {"tokens": accounts_of(request).tokens(who.user_id), "new_token": None},
    )


@router.post("/account/tokens")
async def create_token(request: Request) -> Response:
    who = current(request)
    form = await checked_form(request)
    accounts = accounts_of(request)
    try:
        _, plain = accounts.issue_token(who.user_id, text(form, "name"))
    except FanganError as exc:
        flash(request, "error", refusal_text(exc, request))
        return RedirectResponse("/account", status_code=303)
    # Shown once, on this response only: never stored, never put in the session cookie.
    return render(
        request, "account.html", {"tokens": accounts.tokens(who.user_id), "new_token": plain}
    )


@router.post("/account/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: int) -> Response:
    who = current(request)
    await checked_form(request)
    accounts_of(request).revoke_token(who.user_id, token_id)
    flash(request, "ok", "令牌已吊销")
    return RedirectResponse("/account", status_code=303)


@router.post("/account/password")
async def change_password(request: Request) -> Response:
    who = current(request)
    form = await checked_form(request)
    checked, wait = await attempt_login(request, who.username, str(form.get("current", "")))
    if checked is None:
        flash(request, "error", too_many(wait) if wait else "当前密码不正确")
        return RedirectResponse("/account", status_code=303)
    try:
        user = await hashing(
            request,
            lambda: accounts_of(request).update_user(
                who.user_id, password=str(form.get("password", ""))
            ),
        )
    except FanganError as exc:
        flash(request, "error", refusal_text(exc, request))
        return RedirectResponse("/account", status_code=303)
    # Every session of the user has ended (new auth_version); this browser gets a new one.
    await run_in_threadpool(log_out, request)
    await run_in_threadpool(log_in, request, principal(user))
    flash(request, "ok", "密码已修改")
    return RedirectResponse("/account", status_code=303)


def _admin(request: Request) -> Principal:
    who = current(request)
    if not who.is_admin:
        raise PageError(403, "只有管理员可以管理用户")
    return who


def _users_context(
    request: Request,
    values: dict[str, Any] | None = None,
    field_errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    plan = service_of(request).plan
    desk = plan.actors["duty_officer"].acts_for or "duty_officer"
    return {
        "users": accounts_of(request).list_users(),
        "units": [(c, a.name) for c, a in plan.actors.items()],
        "streets": list(plan.streets.items.items()),
        "values": values or {"unit": desk},
        "field_errors": field_errors or {},
        "desk": desk,
    }


@router.get("/admin/users")
def users_page(request: Request) -> HTMLResponse:
    _admin(request)
    return render(request, "users.html", _users_context(request))


@router.post("/admin/users")
async def create_user(request: Request) -> Response:
    """A refused user stays on the form: the reason beside its field, the typing kept (but
    never the password)."""
    _admin(request)
    form = await checked_form(request)
    try:
        user = await hashing(
            request,
            lambda: accounts_of(request).create_user(
                text(form, "username"),
                text(form, "display_name"),
                text(form, "unit"),
                str(form.get("password", "")),
                is_admin=bool(form.get("is_admin")),
                street=text(form, "street") or None,
            ),
        )
    except FanganError as exc:
        error, message = refused(request, exc, forms.USER_FIELDS)
        values = {
            k: text(form, k) for k in ("username", "display_name", "unit", "street", "is_admin")
        }
        context = _users_context(request, values, errors_beside("u", error))
        context["form_error"] = message
        return render(request, "users.html", context, status_code=api.STATUS.get(exc.code, 400))
    flash(request, "ok", f"已创建用户 {user.username}")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}")
async def update_user(request: Request, user_id: int) -> Response:
    """One form per user: status, role, unit, and a new password when one is typed."""
    _admin(request)
    form = await checked_form(request)
    try:
        user = await hashing(
            request,
            lambda: accounts_of(request).update_user(
                user_id,
                display_name=text(form, "display_name") or None,
                unit=text(form, "unit") or None,
                is_admin=bool(form.get("is_admin")),
                active=bool(form.get("active")),
                password=str(form.get("password") or "") or None,
                street=text(form, "street"),
            ),
        )
        flash(request, "ok", f"已更新用户 {user.username}")
    except FanganError as exc:
        flash(request, "error", refusal_text(exc, request))
    return RedirectResponse("/admin/users", status_code=303)


def login_redirect(request: Request) -> Response:
    """Not logged in: a page goes to /login; an htmx poll tells the page to go there."""
    target = "/login?next=" + quote(request.url.path)
    if request.headers.get("HX-Request"):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
