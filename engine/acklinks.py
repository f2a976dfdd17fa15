"""Signed, expiring acknowledgement links: a unit confirms a notice without logging in.

The token carries the notice, the unit and an expiry computed from the engine's clock (so tests
and replays need no real waiting); it is signed with a key from FANGAN_SECRET_KEY or, failing
that, one generated once and kept in the database (`engine.keys`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from engine.errors import InvalidInput
from engine.timeutil import parse_instant


@dataclass(frozen=True)
class AckClaim:
    incident_id: int
    notice_id: int
    unit: str
    expires_at: datetime


class AckLinks:
    def __init__(self, key: str, base_url: str, valid_hours: float) -> None:
        self._serializer = URLSafeSerializer(key, salt="fangan-ack")
        self.base_url = base_url.rstrip("/")
        self.valid = timedelta(hours=valid_hours)

    def url(self, incident_id: int, notice_id: int, unit: str, issued_at: datetime) -> str:
        token = self._serializer.dumps(
            {"i": incident_id, "n": notice_id, "u": unit, "e": (issued_at + self.valid).isoformat()}
        )
        return f"{self.base_url}/ack/{token}"

    def verify(self, token: str, now: datetime) -> AckClaim:
        try:
            raw = self._serializer.loads(token)
        except BadSignature as exc:
            raise InvalidInput("token: this acknowledgement link is not valid") from exc
        claim = AckClaim(
            int(raw["i"]), int(raw["n"]), str(raw["u"]), parse_instant(raw["e"], "token")
        )
        if now > claim.expires_at:
            raise InvalidInput(
                "token: this acknowledgement link has expired; "
                "please acknowledge through the duty officer"
            )
        return claim
