"""The HTTP side of `serve`: for now the health endpoint an outside monitor polls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from engine.scheduler import TimerScheduler
from engine.service import IncidentService
from engine.settings import Settings


def create_app(service: IncidentService, settings: Settings) -> FastAPI:
    scheduler = TimerScheduler(service, resync_seconds=settings.resync_seconds)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        scheduler.start()
        try:
            yield
        finally:
            scheduler.shutdown()

    app = FastAPI(title="房安 Fang'an", lifespan=lifespan)
    app.state.service = service
    app.state.scheduler = scheduler

    @app.get("/health")
    def health() -> JSONResponse:
        """200 while the scheduler wakes on time; 503 when it has stalled (the watchdog)."""
        body = {**scheduler.health(settings.watchdog_seconds),
                "open_incidents": service.count_open()}
        return JSONResponse(body, status_code=200 if body["healthy"] else 503)

    return app
