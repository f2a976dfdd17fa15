"""Shared Chinese formatting and GB/T 9704 geometry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from documents.formatting import cn_date, cn_datetime, cn_datetime_text, cn_numeral, cn_yuan
from documents.layout import GBT9704, balance_lines, signoff_indents, split_heading


def test_cn_date_uses_arabic_numerals_without_leading_zeros() -> None:
    assert cn_date(dt.date(2026, 1, 5)) == "2026年1月5日"


def test_times_are_shown_in_wuhan_time() -> None:
    late_utc = dt.datetime(2026, 11, 21, 16, 30, tzinfo=dt.UTC)  # 00:30 next day in Wuhan
    assert cn_date(late_utc) == "2026年11月22日"
    assert cn_datetime(late_utc) == "2026年11月22日 00:30"
    assert cn_datetime_text(late_utc) == "2026年11月22日0时30分"
    assert cn_datetime(None) == "—"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        cn_datetime(dt.datetime(2026, 11, 22, 8, 0))


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (6, "六"), (10, "十"), (11, "十一"), (20, "二十"), (99, "九十九")]
)
def test_cn_numeral(n: int, text: str) -> None:
    assert cn_numeral(n) == text


def test_cn_yuan() -> None:
    assert cn_yuan(Decimal("3860000")) == "3,860,000元"
    assert cn_yuan(Decimal("1234.5")) == "1,234.50元"


def test_type_area_holds_22_lines_of_28_characters() -> None:
    assert GBT9704.right_mm == 26 and GBT9704.bottom_mm == 35
    assert 22 * GBT9704.line_pitch_pt * 25.4 / 72 <= 225 < 23 * GBT9704.line_pitch_pt * 25.4 / 72
    assert 28 * GBT9704.char_pitch_pt * 25.4 / 72 <= 156 < 29 * GBT9704.char_pitch_pt * 25.4 / 72


def test_split_heading_levels() -> None:
    assert split_heading("一、总体要求。各单位要") == (1, "一、总体要求。", "各单位要")
    assert split_heading("（二）加强巡查") == (2, "（二）加强巡查", "")
    assert split_heading("一般情况下") == (0, "", "一般情况下")
    long_item = "三、鹦鹉街道办事处立即摸清房屋居住人员基本情况，疏散屋内人员，安置临时住宿。"
    assert split_heading(long_item)[0] == 0


def test_balance_lines_keeps_words_and_puts_longer_line_first() -> None:
    assert balance_lines("关于启动房屋安全突发事件Ⅰ级应急响应的通知", 20) == (
        "关于启动房屋安全突发事件",
        "Ⅰ级应急响应的通知",
    )
    assert balance_lines("短标题", 20) == ("短标题",)
    assert balance_lines("自定\n断行", 20) == ("自定", "断行")


def test_signoff_indents_follow_the_two_character_rule() -> None:
    # Long name: name ends 2 chars in, date starts 2 chars right of the name's first char.
    name_indent, date_indent = signoff_indents("汉阳区房屋安全事故应急指挥部", "2026年11月22日")
    assert name_indent == 2
    # The date is 7 characters wide (digits count half) and starts 14 characters from the
    # right edge: 2 more than the 16 where the 14-character name starts.
    assert date_indent + 7 == name_indent + 14 - 2
    # Long date: date ends 2 chars in, name moves left to keep the 2-char step.
    assert signoff_indents("指挥部", "2026年11月22日") == (8, 2)
