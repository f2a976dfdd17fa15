"""Percentiles, medians over runs, the machine description and the human-readable table."""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) with linear interpolation (numpy's default)."""
    if not values:
        return float("nan")
    data = sorted(values)
    pos = (len(data) - 1) * q / 100.0
    low = int(pos)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (pos - low)


def distribution(seconds: Sequence[float], unit: float = 1000.0) -> dict[str, Any]:
    """n, p50, p99, max and mean of `seconds`, in milliseconds by default."""
    if not seconds:
        return {"n": 0}
    return {
        "n": len(seconds),
        "p50": round(percentile(seconds, 50) * unit, 3),
        "p99": round(percentile(seconds, 99) * unit, 3),
        "max": round(max(seconds) * unit, 3),
        "mean": round(statistics.fmean(seconds) * unit, 3),
    }


def median_of(runs: Sequence[dict[str, Any]], key: str) -> float | None:
    """The median over runs of one figure (None when no run has it)."""
    values = [r[key] for r in runs if r.get(key) is not None]
    return round(statistics.median(values), 3) if values else None


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gib = None
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    versions: dict[str, str | None] = {}
    for package in ("sqlalchemy", "sqlmodel", "apscheduler", "uvicorn", "fastapi"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gib": mem_gib,
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "packages": versions,
    }


def verdict(value: float | None, target: float) -> str:
    if value is None:
        return "n/a"
    return "met" if value < target else "MISSED"


def table(
    rows: Sequence[Sequence[str]],
    header: Sequence[str] = ("measure", "median of runs", "target", "verdict"),
) -> str:
    """A plain-text table of (measure, median, target, verdict) rows (or `header`'s columns)."""
    widths = [max(_width(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = [_row(header, widths), "  ".join("-" * w for w in widths)]
    lines += [_row(r, widths) for r in rows]
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True))
