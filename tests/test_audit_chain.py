"""The audit chain's pure functions (engine.audit, engine.keys) without a database: MACs over
the canonical form, and what `check_chain` names when events are changed, deleted or moved."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from engine import audit
from engine.errors import ConfigError
from engine.keys import default_key_file, derive, hkdf, load_secret

KEY = derive(b"a test secret").audit
T = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def chain(
    n: int, key: bytes = KEY, incident_id: int = 7
) -> tuple[list[audit.StoredEvent], audit.Head]:
    """n authentic events and their head, as the writer makes them."""
    events: list[audit.StoredEvent] = []
    prev = audit.GENESIS
    for seq in range(1, n + 1):
        link = audit.Link(
            incident_id,
            seq,
            T + timedelta(minutes=seq),
            T,
            "system",
            None,
            f"alert_{seq}",
            {"step": seq, "recipients": ["duty_officer"]},
        )
        mac = audit.event_mac(key, link, prev)
        events.append(audit.StoredEvent(100 + seq, link, prev, mac))
        prev = mac
    return events, audit.Head(n, prev, audit.head_tag(key, incident_id, n, prev))


def named(problems: list[audit.Problem]) -> list[tuple[int | None, str]]:
    return [(p.seq, p.problem) for p in problems]


def test_an_intact_chain_has_no_problems() -> None:
    events, head = chain(6)
    assert audit.check_chain(KEY, 7, events, head) == []
    assert audit.check_chain(KEY, 7, [], None) == []


def test_the_mac_covers_every_field_and_the_previous_mac() -> None:
    link = chain(1)[0][0].link
    base = audit.event_mac(KEY, link, "")
    changed = [
        replace(link, incident_id=8),
        replace(link, seq=2),
        replace(link, at=link.at + timedelta(microseconds=1)),
        replace(link, recorded_at=link.recorded_at + timedelta(seconds=1)),
        replace(link, actor="district_hq"),
        replace(link, person="张三"),
        replace(link, kind="alert_x"),
        replace(link, data={"step": 2}),
    ]
    assert all(audit.event_mac(KEY, c, "") != base for c in changed)
    assert audit.event_mac(KEY, link, "0" * 64) != base
    assert audit.event_mac(derive(b"another secret").audit, link, "") != base


def test_the_canonical_form_ignores_key_order_and_time_zone() -> None:
    link = audit.Link(1, 1, T, T, "system", None, "k", {"b": 1, "a": {"y": 2, "x": [1, "二"]}})
    same = replace(
        link,
        at=T.astimezone(ZoneInfo("Asia/Shanghai")),
        data={"a": {"x": [1, "二"], "y": 2}, "b": 1},
    )
    assert audit.canonical(link, "") == audit.canonical(same, "")
    with pytest.raises(ValueError):
        audit.canonical(replace(link, at=T.replace(tzinfo=None)), "")


def test_a_changed_event_is_named_alone() -> None:
    events, head = chain(6)
    events[2] = replace(events[2], link=replace(events[2].link, actor="district_hq"))
    assert named(audit.check_chain(KEY, 7, events, head)) == [(3, "mac_mismatch")]


def test_a_deleted_event_is_named_missing() -> None:
    events, head = chain(6)
    del events[3]
    assert named(audit.check_chain(KEY, 7, events, head)) == [(4, "missing")]


def test_events_deleted_from_the_end_show_against_the_head() -> None:
    events, head = chain(6)
    assert named(audit.check_chain(KEY, 7, events[:4], head)) == [(5, "missing"), (6, "missing")]


def test_a_head_moved_back_over_a_deletion_is_refused() -> None:
    events, _ = chain(6)
    forged = audit.Head(5, events[4].mac or "", "0" * 64)
    assert named(audit.check_chain(KEY, 7, events[:5], forged)) == [(5, "head_mismatch")]


def test_swapped_events_are_named_out_of_order() -> None:
    events, head = chain(6)
    a, b = events[1], events[4]
    events[1] = replace(b, link=replace(b.link, seq=2))
    events[4] = replace(a, link=replace(a.link, seq=5))
    problems = audit.check_chain(KEY, 7, events, head)
    assert named(problems) == [(2, "out_of_order"), (5, "out_of_order")]
    assert "recorded as seq 5" in problems[0].detail


def test_renumbered_over_a_deletion_is_named() -> None:
    """Event 3 deleted and the later ones renumbered down to hide the gap."""
    events, head = chain(5)
    moved = [replace(e, link=replace(e.link, seq=e.link.seq - 1)) for e in events[3:]]
    problems = audit.check_chain(KEY, 7, events[:2] + moved, head)
    assert named(problems) == [(3, "out_of_order"), (4, "out_of_order"), (5, "missing")]


def test_a_chain_checked_with_the_wrong_key_fails_everywhere() -> None:
    events, head = chain(40)
    problems = audit.check_chain(derive(b"wrong").audit, 7, events, head)
    assert problems[0].problem == "head_mismatch"
    assert [p.problem for p in problems[1:]] == ["mac_mismatch"] * 40


def test_events_recorded_before_the_chain_are_unsealed() -> None:
    events, _ = chain(3)
    legacy = [replace(e, prev_mac=None, mac=None) for e in events]
    assert named(audit.check_chain(KEY, 7, legacy, None)) == [(None, "unsealed")]
    assert named(audit.check_chain(KEY, 7, events, None)) == [(None, "head_missing")]


def test_sub_keys_differ_by_purpose_and_follow_the_secret() -> None:
    keys = derive(b"one secret")
    assert len({keys.audit.hex(), keys.session, keys.ack_links}) == 3
    assert derive(b"one secret") == keys
    assert derive(b"two secret").audit != keys.audit
    assert hkdf(b"s", "x", 48)[:32] == hkdf(b"s", "x")


def test_the_key_file_is_made_once_with_mode_600(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'f.db'}"
    path = default_key_file(url)
    assert path == tmp_path / "f.key"
    first = load_secret(None, None, url, chained=False)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_secret(None, None, url, chained=True) == first
    assert load_secret("from-the-environment", None, url, chained=True) == b"from-the-environment"
    path.unlink()
    with pytest.raises(ConfigError, match="missing"):
        load_secret(None, None, url, chained=True)
    assert not path.exists()
    assert default_key_file("postgresql+psycopg://u@h/db") == Path("fangan.key")
    assert default_key_file("sqlite://") is None
