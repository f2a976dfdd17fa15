"""Runtime settings from the environment (FANGAN_*) with safe defaults for a fresh machine."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from engine.contacts import DEFAULT_CONTACTS_PATH
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
    # How often `serve` drains the outbox.
    deliver_seconds: float = 1.0
    # Where people reach the console (acknowledgement links in notices point here).
    public_url: str = "http://127.0.0.1:8000"
    # Signs sessions and acknowledgement links; generated and kept in the database when unset.
    secret_key: str | None = None
    contacts: Path = DEFAULT_CONTACTS_PATH
    # Among several `serve`s on one database the scheduler's leader holds a lease this long,
    # renewed every third of it; a standby takes over within about 4/3 of it (engine.leader).
    leader_lease_seconds: float = 3.0
    # The health endpoint turns unhealthy when the scheduler has not woken for this long.
    watchdog_seconds: float = 60.0
