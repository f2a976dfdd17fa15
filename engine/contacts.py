"""The contact directory (§6.1): who is reached how, validated at start-up like the plan."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from engine.plan import PlanError

DEFAULT_CONTACTS_PATH = Path(__file__).resolve().parent.parent / "config" / "contacts.yaml"
ContactRole = Literal["primary", "backup"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contact(_Strict):
    channel: str
    # "{code}" in an address stands for the unit or role code (for default entries).
    address: str


class Entry(_Strict):
    reachable_24h: bool
    last_verified: date
    primary: Annotated[list[Contact], Field(min_length=1)]
    backup: list[Contact] = []
    name: str | None = None
    """The person answering for the unit (printed as the contact person and the signer)."""
    phone: str | None = None
    """The unit's duty phone, printed in the note (GB/T 9704 §7.3.7) of its notices."""


class DocumentForm(_Strict):
    """What printed notices take from the directory (GB/T 9704 elements the plan leaves open)."""

    office: str
    """Whose entry gives the note's contact person and phone."""
    signer_from: str
    """Whose entry names the signer of documents to a superior body when no person is on
    record."""
    copy_to: list[str] = []
    """Units and roles copied on every printed notice (addressees excepted)."""
    urgent_kinds: list[str] = []
    """Notice kinds printed as most urgent (the plan's "immediately" matters)."""
    upward_kinds: list[str] = []
    """Notice kinds sent to a superior body (GB/T 9704 §7.2.5): they name a signer."""


class Directory(_Strict):
    stale_after_days: Annotated[int, Field(gt=0)]
    ack_link_hours: Annotated[float, Field(gt=0)]
    ack_link_person: str
    """Who the record names as acknowledging through a signed link when nobody typed a name."""
    max_attempts: Annotated[int, Field(ge=1)]
    retry_base_seconds: Annotated[float, Field(gt=0)]
    drill_channel: str | None = None
    channels: dict[str, dict[str, Any]]
    default: Entry | None = None
    contacts: dict[str, Entry] = {}
    documents: DocumentForm

    @model_validator(mode="after")
    def _channels_exist(self) -> Directory:
        for code, entry in [("default", self.default), *self.contacts.items()]:
            if entry is None:
                continue
            for contact in [*entry.primary, *entry.backup]:
                if contact.channel not in self.channels:
                    raise ValueError(f"contacts.{code}: unknown channel '{contact.channel}'")
        if self.drill_channel and self.drill_channel not in self.channels:
            raise ValueError(f"drill_channel: unknown channel '{self.drill_channel}'")
        for name, settings in self.channels.items():
            if "kind" not in settings:
                raise ValueError(f"channels.{name}.kind: required")
        return self

    def entry(self, code: str) -> Entry | None:
        return self.contacts.get(code, self.default)

    def contacts_for(self, code: str, role: ContactRole) -> list[Contact]:
        """The contacts of a unit or role, defaults filled in; the backup falls back to the
        primary when a unit has none (better the same phone twice than nobody)."""
        entry = self.entry(code)
        if entry is None:
            return []
        chosen = entry.backup if role == "backup" and entry.backup else entry.primary
        # model_construct: the entries were validated at load; this runs once per message.
        return [
            Contact.model_construct(channel=c.channel, address=c.address.replace("{code}", code))
            for c in chosen
        ]


def stale_entries(directory: Directory, codes: list[str], today: date) -> list[dict[str, Any]]:
    """Entries not verified within `stale_after_days`, missing, or not reachable 24 hours."""
    limit = today - timedelta(days=directory.stale_after_days)
    out: list[dict[str, Any]] = []
    for code in codes:
        entry = directory.contacts.get(code)
        if entry is None:
            problem = "no entry of its own (uses the default)"
        elif entry.last_verified < limit:
            problem = f"last verified {entry.last_verified.isoformat()}"
        elif not entry.reachable_24h:
            problem = "not reachable 24 hours (§6.1)"
        else:
            continue
        out.append(
            {
                "code": code,
                "problem": problem,
                "last_verified": entry.last_verified.isoformat() if entry else None,
            }
        )
    return out


def load_directory(path: Path = DEFAULT_CONTACTS_PATH) -> Directory:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Directory.model_validate(raw)
    except OSError as exc:
        raise PlanError(f"{path}: cannot read the contact directory ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise PlanError(f"{path}: not valid YAML ({exc})") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise PlanError(f"{path}: {problems}") from exc
