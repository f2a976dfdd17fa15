"""The one secret the engine keeps outside its database, and the keys derived from it.

The secret is FANGAN_SECRET_KEY or, when that is unset, the contents of a key file
(FANGAN_KEY_FILE; by default `<name>.key` beside a SQLite database file, `./fangan.key` for
another database), created with mode 0600 on first use. Each purpose gets its own key derived with
HKDF-SHA256 (RFC 5869), so a key leaked from one use (a session cookie signer) says nothing about
another (the audit chain). Nothing secret is stored in the database: a copy of a backup cannot
forge a session, an acknowledgement link or a timeline event. The CLI and `serve` read the same
file or variable, so links written by one verify in the other.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from loguru import logger

from engine.errors import ConfigError

SALT = b"fangan-keys-v1"
DEFAULT_KEY_FILE = Path("fangan.key")


@dataclass(frozen=True)
class Keys:
    audit: bytes  # the timeline's HMAC chain
    session: str  # console session cookies
    ack_links: str  # acknowledgement links in notices


def hkdf(secret: bytes, info: str, length: int = 32) -> bytes:
    """HKDF-SHA256 (extract, then expand) of `secret` for the purpose `info`."""
    prk = hmac.new(SALT, secret, hashlib.sha256).digest()
    out, block = b"", b""
    for counter in range(1, -(-length // 32) + 1):
        block = hmac.new(prk, block + info.encode() + bytes([counter]), hashlib.sha256).digest()
        out += block
    return out[:length]


def derive(secret: bytes) -> Keys:
    return Keys(
        audit=hkdf(secret, "audit-chain"),
        session=hkdf(secret, "web-session").hex(),
        ack_links=hkdf(secret, "ack-links").hex(),
    )


def default_key_file(db_url: str) -> Path | None:
    """Beside a SQLite file; `./fangan.key` for a server database; None for an in-memory one."""
    url = sa.engine.make_url(db_url)
    if url.get_backend_name() != "sqlite":
        return DEFAULT_KEY_FILE
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        return None
    return Path(url.database).with_suffix(".key")


def _read(path: Path) -> bytes:
    try:
        text = path.read_bytes().strip()
    except OSError as exc:
        raise ConfigError(f"FANGAN_KEY_FILE: cannot read {path} ({exc.strerror})") from exc
    if not text:
        raise ConfigError(f"FANGAN_KEY_FILE: {path} is empty")
    if path.stat().st_mode & 0o077:
        logger.warning("the key file {} can be read by other users (chmod 600 it)", path)
    return text


def _create(path: Path) -> None:
    """Write a new random secret to `path` atomically; a concurrent first start keeps one."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise ConfigError(f"FANGAN_KEY_FILE: cannot create {path} ({exc.strerror})") from exc
    try:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.link(tmp, path)
        logger.warning(
            "no FANGAN_SECRET_KEY: generated the key file {}; keep it, apart from "
            "the database backups: without it the record cannot be verified",
            path,
        )
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def load_secret(secret_key: str | None, key_file: Path | None, db_url: str, chained: bool) -> bytes:
    """The secret: the setting, or the key file (made on first use). `chained` says the
    database already holds a chained timeline: then a missing key file is an error, since a new
    key would make the whole record fail verification."""
    if secret_key:
        return secret_key.encode("utf-8")
    path = key_file or default_key_file(db_url)
    if path is None:
        return secrets.token_bytes(32)  # an in-memory database lives no longer than this key
    if not path.exists():
        if chained:
            raise ConfigError(
                f"FANGAN_KEY_FILE: the key file {path} is missing but the database "
                "already holds a chained timeline; restore the key file (or set "
                "FANGAN_SECRET_KEY to the secret it held)"
            )
        _create(path)
    return _read(path)
