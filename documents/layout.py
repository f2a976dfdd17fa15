"""Page geometry of GB/T 9704-2012, computed once for the CSS and the Word builder.

The standard fixes the type area (版心) at 156 mm × 225 mm holding 22 lines of 28 characters in
3号 (16 pt) type. 28 × 16 pt is 158 mm, a little wider than the type area, so characters are
tightened by a small negative letter-spacing, exactly as Word's character grid does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from math import ceil

__all__ = [
    "GBT9704",
    "TITLE_WORDS",
    "PageLayout",
    "allowed_breaks",
    "balance_lines",
    "signoff_indents",
    "split_heading",
    "text_width_chars",
]

MM_PER_PT = 25.4 / 72


@dataclass(frozen=True)
class PageLayout:
    page_width_mm: float = 210.0
    page_height_mm: float = 297.0
    top_mm: float = 37.0
    """天头 (§5.2.1)."""
    left_mm: float = 28.0
    """订口 (§5.2.1)."""
    text_width_mm: float = 156.0
    text_height_mm: float = 225.0
    body_pt: float = 16.0
    """3号 type."""
    lines: int = 22
    chars: int = 28
    title_pt: float = 22.0
    """2号 type for the title."""
    small_pt: float = 14.0
    """4号 type: page numbers, 版记."""
    table_pt: float = 10.5
    """五号 type for tables, the usual size in Chinese reports: a 3号 date would not fit a cell."""
    issuer_max_pt: float = 42.0
    """初号: upper bound of the issuer mark; long names are set smaller to stay on one line."""
    page_number_gap_mm: float = 7.0
    """一字线上距版心下边缘 7 mm (§7.5)."""

    @property
    def right_mm(self) -> float:
        return self.page_width_mm - self.left_mm - self.text_width_mm

    @property
    def bottom_mm(self) -> float:
        return self.page_height_mm - self.top_mm - self.text_height_mm

    @property
    def line_pitch_pt(self) -> float:
        """Line pitch giving exactly ``lines`` lines, rounded down so the last one still fits."""
        return int(self.text_height_mm / MM_PER_PT / self.lines * 100) / 100

    @property
    def char_pitch_pt(self) -> float:
        """Advance per character giving exactly ``chars`` per line, rounded down likewise."""
        return int(self.text_width_mm / MM_PER_PT / self.chars * 100) / 100

    @property
    def letter_spacing_pt(self) -> float:
        return round(self.char_pitch_pt - self.body_pt, 2)

    def title_lines(self, title: str, keep: tuple[str, ...] = ()) -> tuple[str, ...]:
        """The title's lines at 2号 over the type-area width; see :func:`balance_lines`."""
        return balance_lines(title, self.text_width_mm / MM_PER_PT / self.title_pt, keep=keep)

    def issuer_pt(self, issuer: str) -> float:
        """Largest size up to 初号 at which the issuer mark fits on one line of the type area."""
        fit = self.text_width_mm / MM_PER_PT / max(len(issuer), 1) * 0.96
        return round(min(self.issuer_max_pt, fit), 1)


GBT9704 = PageLayout()

_LEVEL1 = "一二三四五六七八九十"


def split_heading(paragraph: str, max_chars: int = GBT9704.chars) -> tuple[int, str, str]:
    """Split a body paragraph into (level, heading, rest) for GB/T 9704 §7.3.3 fonts.

    ``一、`` starts a level-1 heading (黑体) and ``（一）`` a level-2 one (楷体); the heading
    runs to the first 。 or to the end of the paragraph. A "heading" longer than one line
    (``max_chars``) is a numbered paragraph, not a heading. Other paragraphs are level 0.
    """
    text = paragraph.strip()
    level = 0
    if text[:1] in _LEVEL1 and "、" in text[:4]:
        prefix = text[: text.index("、")]
        level = 1 if all(c in _LEVEL1 for c in prefix) else 0
    elif text.startswith("（") and "）" in text[:5]:
        prefix = text[1 : text.index("）")]
        level = 2 if prefix and all(c in _LEVEL1 for c in prefix) else 0
    if level == 0:
        return 0, "", paragraph
    end = text.find("。")
    cut = len(text) if end < 0 else end + 1
    if text_width_chars(text[:cut]) > max_chars:
        return 0, "", paragraph
    return level, text[:cut], text[cut:]


_BREAK_AFTER = frozenset("，、；：。）》〕】”’")
_BREAK_BEFORE = frozenset("的（《〔【“‘")
_NO_LINE_START = frozenset("，、；：。！？）》〕】”’")
_NO_LINE_END = frozenset("（《〔【“‘")
_UNBREAKABLE = re.compile(r"[A-Za-z0-9ⅠⅡⅢⅣⅤ.·]+[级号条项类]?|§[\d.]+")
"""Runs that are one word whatever the language: II级, Ⅳ级, 3栋 numbers, 2026, §2.2.3."""

TITLE_WORDS = (
    "房屋安全",
    "突发事件",
    "应急响应",
    "应急预案",
    "应急处置",
    "现场指挥部",
    "指挥部",
    "办公室",
    "办事处",
    "街道",
    "人民政府",
    "启动",
    "结束",
    "终止",
    "通知",
    "报告",
    "请求",
    "任务",
    "调查",
    "处置",
    "事件",
    "首报",
    "续报",
    "终报",
    "市级",
    "区级",
    "指挥",
    "倒塌",
    "坍塌",
    "局部",
    "整体",
    "危险",
    "隐患",
    "险情",
    "检测",
    "医疗",
    "急救",
    "交通",
    "运输",
    "疏导",
    "防护",
    "治安",
    "保卫",
    "宣传",
    "抢险",
    "救援",
    "关于",
    "情况",
    "工作",
)
"""Words a title line may never split (GB/T 9704 §7.3.1: 回行时要做到词意完整); longest first
wins where two overlap. Callers add their own proper names through ``keep``; the city and
district a title opens with are kept whole too (_PLACE)."""

_PLACE = re.compile(r"^(?:[\u4e00-\u9fff]{2}市)?[\u4e00-\u9fff]{2}区")
"""The place a title opens with: a two-character city (市) and district (区) name."""


def text_width_chars(text: str) -> float:
    """Width of ``text`` in characters: Latin letters and digits half, the rest (CJK, and
    punctuation such as “” which Chinese fonts set full-width) one."""
    return sum(0.5 if ord(c) < 0x2000 else 1.0 for c in text)


def _word_spans(text: str, keep: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) of every unbreakable word: Latin/number runs, then the longest listed word
    at each position."""
    spans = [m.span() for m in _UNBREAKABLE.finditer(text) if m.end() - m.start() > 1]
    place = _PLACE.match(text)
    opening = (place.group(),) if place else ()
    words = sorted({*TITLE_WORDS, *keep, *opening}, key=len, reverse=True)
    i = 0
    while i < len(text):
        word = next((w for w in words if w and text.startswith(w, i)), None)
        if word is None:
            i += 1
            continue
        spans.append((i, i + len(word)))
        i += len(word)
    return spans


def allowed_breaks(text: str, keep: tuple[str, ...] = ()) -> tuple[set[int], set[int]]:
    """(allowed, preferred) indexes where a title line may end: never inside a word, never
    before closing or after opening punctuation; preferred after punctuation or before 的 and
    an opening bracket."""
    inside = {i for start, end in _word_spans(text, keep) for i in range(start + 1, end)}
    allowed = {
        i
        for i in range(1, len(text))
        if i not in inside and text[i] not in _NO_LINE_START and text[i - 1] not in _NO_LINE_END
    }
    preferred = {i for i in allowed if text[i - 1] in _BREAK_AFTER or text[i] in _BREAK_BEFORE}
    return allowed, preferred


def balance_lines(
    text: str, capacity: float, window: float = 4.0, keep: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """Break a long title into balanced lines, the upper ones no shorter (上长下短).

    GB/T 9704 §7.3.1 asks for breaks that keep words whole and lines symmetric; plain wrapping
    can leave one character alone on the last line or split 应急|响应. Explicit ``\n`` in
    ``text`` always win. Otherwise each break goes to the preferred point (after punctuation,
    before 的 or a bracket) nearest the balanced position within ``window`` characters, else to
    the nearest point that splits no word (see :func:`allowed_breaks`).
    """
    if "\n" in text:
        return tuple(line.strip() for line in text.split("\n") if line.strip())
    lines: list[str] = []
    rest = text
    count = ceil(text_width_chars(rest) / capacity)
    while count > 1:
        target = text_width_chars(rest) / count
        widths = [text_width_chars(rest[:i]) for i in range(len(rest) + 1)]
        allowed, preferred = allowed_breaks(rest, keep)
        fitting = [i for i in allowed if widths[i] <= capacity] or [
            max(i for i in range(1, len(rest)) if widths[i] <= capacity)
        ]
        near = [i for i in fitting if i in preferred and abs(widths[i] - target) <= window]
        cut = min(near or fitting, key=lambda i: (abs(widths[i] - target), -i))
        lines.append(rest[:cut])
        rest = rest[cut:]
        count -= 1
    return (*lines, rest)


def signoff_indents(name: str, date: str) -> tuple[float, float]:
    """Right indents, in characters, of the 发文机关署名 and 成文日期 lines (§7.3.5.2).

    The name ends two characters from the right and the date starts two characters right of
    the name; when the date is the longer line, it ends two characters in and the name moves
    left to keep that two-character step.
    """
    name_w, date_w = text_width_chars(name), text_width_chars(date)
    date_indent = max(2.0, name_w - date_w)
    return date_indent + date_w + 2.0 - name_w, date_indent
