"""Bar charts drawn on the server: one layout, painted as SVG (console pages, PDF) or PNG (Word).

Nothing runs in the browser and nothing loads from elsewhere: the SVG uses presentation
attributes only (the console's CSP allows no inline style), and a bar may link to a page. The
layout is computed once as plain shapes (`Scene`), so the page, the PDF and the Word file show
the same chart.
"""

from __future__ import annotations

import io
import math
import subprocess
from dataclasses import dataclass, field
from functools import cache
from xml.sax.saxutils import escape, quoteattr

__all__ = ["BarChart", "Scene", "Series", "layout", "to_png", "to_svg"]

FONT = "Noto Sans CJK SC"
INK, GRID, MUTED = "#1f2933", "#d5dbe1", "#52606d"
NARROW = 480
"""Below this many units across, a horizontal chart puts its labels above the bars."""


@dataclass(frozen=True)
class Series:
    name: str
    color: str
    values: tuple[float, ...]
    links: tuple[str | None, ...] = ()
    """A link per category (the incidents behind that bar), or none."""


@dataclass(frozen=True)
class BarChart:
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str = ""
    stacked: bool = False
    horizontal: bool = True


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    href: str | None = None
    tip: str = ""


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    size: float = 13
    anchor: str = "start"  # start | middle | end, at the baseline
    fill: str = INK
    bold: bool = False


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = GRID


@dataclass(frozen=True)
class Scene:
    width: float
    height: float
    title: str
    shapes: tuple[Rect | Text | Line, ...] = field(default_factory=tuple)


def text_width(text: str, size: float) -> float:
    """Roughly: a CJK character is one em, a Latin one about half."""
    return sum(size if ord(c) > 0x2E80 else size * 0.56 for c in text)


def nice_step(value: float) -> float:
    """A tick step of 1, 2 or 5 × 10ⁿ giving at most five steps up to the value."""
    if value <= 0:
        return 1
    rough = value / 5
    power = 10.0 ** math.floor(math.log10(rough))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= rough))


def ticks(value: float, whole: bool = False) -> list[float]:
    """The axis ticks from 0 to the first step at or above the value; `whole` numbers (counts)
    never get a step below 1."""
    step = max(nice_step(value), 1.0) if whole else nice_step(value)
    return [step * k for k in range(max(1, math.ceil(value / step - 1e-9)) + 1)]


def _number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def _legend(chart: BarChart, y: float, shapes: list[Rect | Text | Line]) -> float:
    if len(chart.series) < 2:
        return y
    x = 12.0
    for s in chart.series:
        shapes.append(Rect(x, y - 11, 12, 12, s.color))
        shapes.append(Text(x + 17, y, s.name, 12, fill=MUTED))
        x += 17 + text_width(s.name, 12) + 18
    return y + 22


def _totals(chart: BarChart) -> list[float]:
    if chart.stacked:
        return [sum(s.values[i] for s in chart.series) for i in range(len(chart.categories))]
    return [
        max((s.values[i] for s in chart.series), default=0) for i in range(len(chart.categories))
    ]


def layout(chart: BarChart, width: float = 720) -> Scene:
    """Place the title, legend, axis, bars and value labels of a chart `width` units wide."""
    shapes: list[Rect | Text | Line] = [Text(12, 24, chart.title, 16, bold=True)]
    top = _legend(chart, 50, shapes)
    totals = _totals(chart)
    whole = all(v == int(v) for s in chart.series for v in s.values)
    axis = ticks(max(totals, default=0), whole)
    if not chart.categories:
        shapes.append(Text(width / 2, top + 30, "暂无数据", 14, "middle", MUTED))
        return Scene(width, top + 50, chart.title, tuple(shapes))
    if chart.horizontal:
        height = _horizontal(chart, width, top, axis, totals, shapes)
    else:
        height = _vertical(chart, width, top, axis, totals, shapes)
    return Scene(width, height, chart.title, tuple(shapes))


def _bars(chart: BarChart, i: int) -> list[tuple[Series, float, float]]:
    """(series, start, value) per series of category i: stacked ones follow each other."""
    out, start = [], 0.0
    for s in chart.series:
        out.append((s, start if chart.stacked else 0.0, s.values[i]))
        if chart.stacked:
            start += s.values[i]
    return out


def _tip(chart: BarChart, category: str, s: Series, value: float) -> str:
    name = f"{s.name}：" if len(chart.series) > 1 else ""
    return f"{category} {name}{_number(value)}{chart.unit}"


def _horizontal(
    chart: BarChart,
    width: float,
    top: float,
    axis: list[float],
    totals: list[float],
    shapes: list[Rect | Text | Line],
) -> float:
    # Narrow (a phone): each label on its own line above its bar, the bars full width.
    head = 18 if width < NARROW else 0
    label_w = 12 if head else max((text_width(c, 13) for c in chart.categories), default=0) + 20
    left, right = label_w, width - 70
    row = head + (30 if chart.stacked or len(chart.series) == 1 else 14 * len(chart.series) + 12)
    scale = (right - left) / axis[-1]
    for tick in axis:
        x = left + tick * scale
        shapes.append(Line(x, top, x, top + row * len(chart.categories)))
    for i, category in enumerate(chart.categories):
        y = top + i * row
        middle = y + head + (row - head) / 2 + 5
        shapes.append(
            Text(left, y + 14, category, 13)
            if head
            else Text(left - 8, middle, category, 13, "end")
        )
        y += head
        bars = _bars(chart, i)
        bar_h = row - head - 10 if chart.stacked or len(bars) == 1 else 12
        for j, (s, start, value) in enumerate(bars):
            by = y + 5 if chart.stacked or len(bars) == 1 else y + 6 + j * 14
            if value > 0:
                link = s.links[i] if i < len(s.links) else None
                shapes.append(
                    Rect(
                        left + start * scale,
                        by,
                        value * scale,
                        bar_h,
                        s.color,
                        link,
                        _tip(chart, category, s, value),
                    )
                )
            if not chart.stacked and len(bars) > 1 and value > 0:
                shapes.append(
                    Text(left + value * scale + 4, by + 10, _number(value), 11, fill=MUTED)
                )
        if chart.stacked or len(bars) == 1:
            shapes.append(
                Text(
                    left + totals[i] * scale + 6,
                    middle,
                    f"{_number(totals[i])}{chart.unit}",
                    13,
                    fill=MUTED,
                )
            )
    axis_y = top + row * len(chart.categories)
    for tick in axis:
        shapes.append(Text(left + tick * scale, axis_y + 16, _number(tick), 11, "middle", MUTED))
    return axis_y + 28


def _vertical(
    chart: BarChart,
    width: float,
    top: float,
    axis: list[float],
    totals: list[float],
    shapes: list[Rect | Text | Line],
) -> float:
    left, right, plot_h = 44.0, width - 12, 200.0
    base = top + 14 + plot_h
    slot = (right - left) / max(len(chart.categories), 1)
    scale = plot_h / axis[-1]
    for tick in axis:
        y = base - tick * scale
        shapes.append(Line(left, y, right, y))
        shapes.append(Text(left - 6, y + 4, _number(tick), 11, "end", MUTED))
    for i, category in enumerate(chart.categories):
        x = left + i * slot
        bar_w = min(slot * 0.7, 48)
        for s, start, value in _bars(chart, i):
            if value > 0:
                link = s.links[i] if i < len(s.links) else None
                shapes.append(
                    Rect(
                        x + (slot - bar_w) / 2,
                        base - (start + value) * scale,
                        bar_w,
                        value * scale,
                        s.color,
                        link,
                        _tip(chart, category, s, value),
                    )
                )
        if totals[i]:
            shapes.append(
                Text(
                    x + slot / 2,
                    base - totals[i] * scale - 5,
                    _number(totals[i]),
                    12,
                    "middle",
                    MUTED,
                )
            )
        shapes.append(Text(x + slot / 2, base + 17, category, 12, "middle"))
    return base + 28


# -- painters ---------------------------------------------------------------------------------


def to_svg(scene: Scene) -> str:
    """Inline SVG that scales to its container; bars with a link are <a> elements."""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {scene.width:g} '
        f'{scene.height:g}" role="img" aria-label={quoteattr(scene.title)} '
        f'font-family="{FONT}, sans-serif" class="chart">'
    ]
    for s in scene.shapes:
        if isinstance(s, Rect):
            rect = (
                f'<rect x="{s.x:.1f}" y="{s.y:.1f}" width="{s.w:.1f}" height="{s.h:.1f}" '
                f'fill="{s.fill}">'
                + (f"<title>{escape(s.tip)}</title>" if s.tip else "")
                + "</rect>"
            )
            out.append(f"<a href={quoteattr(s.href)}>{rect}</a>" if s.href else rect)
        elif isinstance(s, Line):
            out.append(
                f'<line x1="{s.x1:.1f}" y1="{s.y1:.1f}" x2="{s.x2:.1f}" y2="{s.y2:.1f}" '
                f'stroke="{s.stroke}" stroke-width="1"/>'
            )
        else:
            weight = ' font-weight="bold"' if s.bold else ""
            out.append(
                f'<text x="{s.x:.1f}" y="{s.y:.1f}" font-size="{s.size:g}" '
                f'text-anchor="{s.anchor}" fill="{s.fill}"{weight}>{escape(s.text)}</text>'
            )
    out.append("</svg>")
    return "".join(out)


@cache
def _font_file() -> str | None:
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", f"{FONT}:style=Regular"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return found or None


def to_png(scene: Scene, scale: float = 2.5) -> bytes:
    """The same picture as a PNG (for Word, which shows no SVG), `scale` pixels per unit."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (round(scene.width * scale), round(scene.height * scale)), "white")
    draw = ImageDraw.Draw(image)
    path = _font_file()
    anchors = {"start": "ls", "middle": "ms", "end": "rs"}
    for s in scene.shapes:
        if isinstance(s, Rect):
            draw.rectangle(
                (s.x * scale, s.y * scale, (s.x + s.w) * scale, (s.y + s.h) * scale), fill=s.fill
            )
        elif isinstance(s, Line):
            draw.line(
                (s.x1 * scale, s.y1 * scale, s.x2 * scale, s.y2 * scale),
                fill=s.stroke,
                width=max(1, round(scale)),
            )
        else:
            font = (
                ImageFont.truetype(path, round(s.size * scale))
                if path
                else ImageFont.load_default(round(s.size * scale))
            )
            draw.text(
                (s.x * scale, s.y * scale),
                s.text,
                fill=s.fill,
                font=font,
                anchor=anchors[s.anchor],
                stroke_width=1 if s.bold else 0,
                stroke_fill=s.fill,
            )
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
