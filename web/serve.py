"""`python main.py serve`: the API, the console and the scheduler in one process."""

from __future__ import annotations

import signal
import sys
from typing import Annotated

import typer
import uvicorn
from loguru import logger

from engine.cli import _globals
from web.app import create_app


def serve_cmd(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """API, web console and scheduler in one process (stops cleanly on SIGTERM)."""
    g = _globals(ctx)
    # --host/--port win over FANGAN_HOST/FANGAN_PORT, and acknowledgement links follow them.
    g.settings = settings = g.settings.model_copy(
        update={k: v for k, v in (("host", host), ("port", port)) if v is not None}
    )
    logger.add(
        sys.stderr,
        level=settings.log_level,
        filter=lambda r: r["level"].no < 30,
        format="{time:YYYY-MM-DD HH:mm:ss} {level} {message}",
    )
    app = create_app(g.service(), settings)
    # uvicorn shuts down gracefully on SIGTERM and then re-raises it; exit 0 after a clean stop.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    where = f"http://{settings.host}:{settings.port}"
    sys.stderr.write(
        f"房安 Fang'an listening on {where} (console /, API /api, docs /docs); "
        f"acknowledgement links point at {settings.console_url}\n"
    )
    sys.stderr.flush()
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
