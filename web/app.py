"""The HTTP side of `serve`: the REST API, the console, /health and the timer scheduler."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from loguru import logger
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from engine.errors import FanganError
from engine.leader import LeaderLease
from engine.scheduler import TimerScheduler
from engine.service import IncidentService
from engine.settings import Settings
from web import ack, api, board, console, duty, info_reports, prevention, stats, stream
from web.accounts import Accounts
from web.auth import AuthError, WebSettings
from web.idempotency import IdempotencyStore
from web.throttle import LoginThrottle

STATIC = Path(__file__).resolve().parent / "static"
# Nothing loads from elsewhere. The API docs (Swagger UI, ReDoc, vendored from npm under
# static/vendor) start from an inline script and ReDoc styles itself inline and in a blob worker,
# so they get a policy of their own that still allows no other origin.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
VENDOR = "/static/vendor"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def _error(status: int, code: str, message: str, **extra: object) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status)


def _page(request: Request, status: int, message: str) -> Response:
    return console.render(
        request, "error.html", {"status": status, "message": message}, status_code=status
    )


def install_error_handlers(app: FastAPI) -> None:
    """Every refusal as `{"error", "message"}` (the CLI's codes) on /api; a page elsewhere."""

    @app.exception_handler(FanganError)
    async def fangan_error(request: Request, exc: FanganError) -> Response:
        status = api.STATUS.get(exc.code, 400)
        if _is_api(request):
            return _error(status, exc.code, exc.message)
        return _page(request, status, console.refusal_text(exc, request))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> Response:
        message, fields = api.field_errors(list(exc.errors()))
        return _error(422, "invalid_input", message, fields=fields)

    @app.exception_handler(AuthError)
    async def auth_error(_: Request, exc: AuthError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        response = _error(exc.status_code, exc.code, exc.message)
        if headers:
            response.headers.update(headers)
        return response

    @app.exception_handler(console.LoginRequired)
    async def login_required(request: Request, _: console.LoginRequired) -> Response:
        return console.login_redirect(request)

    @app.exception_handler(console.CsrfFailed)
    async def csrf_failed(request: Request, _: console.CsrfFailed) -> Response:
        return _page(request, 403, "表单已过期或来源不明（CSRF 校验失败），请返回后刷新页面再试。")

    @app.exception_handler(console.PageError)
    async def page_error(request: Request, exc: console.PageError) -> Response:
        return _page(request, exc.status_code, exc.message)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        """A bug or a database failure: the details (SQL, parameters) go to the log only."""
        logger.opt(exception=exc).error("internal error on {} {}", request.method, request.url.path)
        if _is_api(request):
            return _error(500, "internal", "internal error; the details are in the log")
        return PlainTextResponse("系统内部错误，详情已记入日志。", status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request) or request.url.path.startswith("/static/"):
            code = {404: "not_found", 405: "invalid_input"}.get(exc.status_code, "error")
            return _error(exc.status_code, code, str(exc.detail))
        return _page(
            request,
            exc.status_code,
            "找不到这个页面" if exc.status_code == 404 else str(exc.detail),
        )


def create_app(
    service: IncidentService,
    settings: Settings,
    web_settings: WebSettings | None = None,
    *,
    run_scheduler: bool = True,
) -> FastAPI:
    web_settings = web_settings or WebSettings()
    lease = LeaderLease(
        service.db,
        lease_seconds=settings.leader_lease_seconds,
        renew_seconds=settings.leader_lease_seconds / 3,
    )
    scheduler = TimerScheduler(
        service,
        resync_seconds=settings.resync_seconds,
        deliver_seconds=settings.deliver_seconds,
        lease=lease,
    )
    accounts = Accounts(service.db, service.plan, service.now)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if run_scheduler:
            scheduler.start()
        try:
            yield
        finally:
            if run_scheduler:
                scheduler.shutdown()

    app = FastAPI(
        title="房安 Fang'an",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        description=f"{service.plan.plan.district}房屋安全突发事件应急响应："
        "接报、时限、告警、处置与报告。",
    )
    app.state.service = service
    app.state.scheduler = scheduler
    app.state.accounts = accounts
    app.state.idempotency = IdempotencyStore(service.db, service.now)
    app.state.web_settings = web_settings
    app.state.hash_pool = ThreadPoolExecutor(
        max_workers=web_settings.password_hash_workers, thread_name_prefix="argon2"
    )
    app.state.login_throttle = LoginThrottle(
        service.db, service.now, web_settings.throttle_policy()
    )

    # Derived from the engine's one secret, which never sits in the database (`engine.keys`).
    app.add_middleware(
        SessionMiddleware,
        secret_key=service.keys.session,
        session_cookie="fangan_session",
        max_age=int(web_settings.session_hours * 3600),
        same_site="lax",
        https_only=web_settings.cookie_secure,
    )

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        docs = request.url.path.startswith(DOCS_PATHS)
        response.headers.setdefault("Content-Security-Policy", DOCS_CSP if docs else CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.url.path.startswith(("/api/", "/fragments/", "/incidents/")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(info_reports.router)
    app.include_router(console.router)
    app.include_router(board.router)
    app.include_router(stream.router)
    app.include_router(ack.router)
    app.include_router(stats.router)
    app.include_router(duty.router)
    app.include_router(prevention.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/health", tags=["health"])
    def health() -> JSONResponse:
        """200 while the scheduler wakes on time (the leader) or keeps trying for the lead (a
        standby); 503 when it has stalled (the watchdog). `role` says which this one is."""
        body = {
            **scheduler.health(settings.watchdog_seconds),
            "open_incidents": service.count_open(),
            "open_drills": service.count_open(drills=True) - service.count_open(),
        }
        return JSONResponse(body, status_code=200 if body["healthy"] else 503)

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url=f"{VENDOR}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{VENDOR}/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/favicon.ico",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title=f"{app.title} — API",
            redoc_js_url=f"{VENDOR}/redoc/redoc.standalone.js",
            redoc_favicon_url="/favicon.ico",
            with_google_fonts=False,
        )

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    return app
