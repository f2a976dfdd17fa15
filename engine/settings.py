"""Runtime settings from the environment (FANGAN_*) with safe defaults for a fresh machine."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from engine.plan import DEFAULT_PLAN_PATH


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FANGAN_", extra="ignore")

    db_url: str = "sqlite:///./fangan.db"
    plan: Path = DEFAULT_PLAN_PATH
    log_file: Path | None = None
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = 8000
    # How often `serve` re-reads the timers from the database (picks up changes made by the CLI).
    resync_seconds: float = 5.0
    # The health endpoint turns unhealthy when the scheduler has not woken for this long.
    watchdog_seconds: float = 60.0
