"""The one Jinja environment all text renderers share.

HTML templates are autoescaped (names containing ``.html``); Markdown templates are not and
escape table cells with the ``md_cell`` filter instead, since HTML escaping would corrupt them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from documents import formatting
from documents.fonts import Role, css_family, css_weight, font_face_css
from documents.layout import GBT9704, split_heading

__all__ = ["TEMPLATE_DIR", "environment", "render"]

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "documents"


def _autoescape(name: str | None) -> bool:
    return name is not None and ".html" in name


def md_cell(value: object) -> str:
    """Make text safe inside a Markdown table cell: no pipes, no line breaks."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _fonts(official_first: bool) -> dict[str, str]:
    """``font-family`` and ``font-weight`` values per role, as the templates use them."""
    fonts: dict[str, str] = {}
    for role in Role:
        fonts[role.value] = css_family(role, official_first=official_first)
        fonts[f"{role.value}_weight"] = str(css_weight(role, official_first=official_first))
    return fonts


@cache
def environment() -> jinja2.Environment:
    """Build the environment once; StrictUndefined turns a template typo into an error."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=_autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        cn_date=formatting.cn_date,
        cn_datetime=formatting.cn_datetime,
        cn_yuan=formatting.cn_yuan,
        md_cell=md_cell,
    )
    env.globals.update(layout=GBT9704, split_heading=split_heading)
    return env


def render(template: str, *, for_print: bool = False, **context: Any) -> str:
    """Render ``template``; ``for_print`` selects the PDF font order and loads font files."""
    return (
        environment()
        .get_template(template)
        .render(
            fonts=_fonts(official_first=not for_print),
            font_faces=font_face_css() if for_print else "",
            for_print=for_print,
            **context,
        )
    )
