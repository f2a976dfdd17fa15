"""Which fonts the documents use, and which free font stands in for which official one.

GB/T 9704-2012 names commercial fonts: 方正小标宋 for the issuer mark and titles, 仿宋_GB2312
for the body, 黑体 for first-level headings, 楷体_GB2312 for second-level ones, and 宋体 for page
numbers. We cannot ship or embed those (方正 fonts need a licence to embed in distributed PDFs),
so every output picks fonts by where it will be read:

=================  ==============================  =========================================
official font      free stand-in in PDFs           Debian package
=================  ==============================  =========================================
方正小标宋简体       Noto Serif CJK SC, Bold           fonts-noto-cjk (fallback FandolSong Bold)
仿宋_GB2312         FandolFang Regular               texlive-lang-chinese (fallback Noto Serif)
黑体                Noto Sans CJK SC                 fonts-noto-cjk (fallback FandolHei)
楷体_GB2312         FandolKai Regular                texlive-lang-chinese (fallback AR PL UKai,
                                                     fonts-arphic-ukai)
宋体                Noto Serif CJK SC                fonts-noto-cjk (fallback FandolSong)
=================  ==============================  =========================================

- PDF (WeasyPrint): free stand-ins first, so the output is the same on every server and may be
  embedded legally; WeasyPrint embeds (subsets) every font it uses. The Fandol fonts ship inside
  TeX Live's tree, which fontconfig does not index, so they are loaded by ``@font-face`` from
  the files found by :func:`font_face_css`. Extra directories can be given in
  ``FANGAN_FONT_DIRS`` (``os.pathsep``-separated).
- HTML for browsers: official names first (a government PC has them), stand-ins after.
- Word: styles and runs name, in ``w:eastAsia`` and the other slots, a font that exists on the
  machine that writes the file (the first stand-in fontconfig lists, e.g. Noto Serif CJK SC),
  and the font table declares those fonts as GB2312-charset fonts, so a reader without them
  gets a Chinese substitute. Only where fontconfig knows no stand-in (a server without it)
  do the official names (仿宋, 黑体, 楷体, 宋体, 方正小标宋简体) go in instead.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

__all__ = [
    "FONT_ROLES",
    "FontRole",
    "FreeFont",
    "Role",
    "css_family",
    "css_weight",
    "fandol_available",
    "font_face_css",
    "installed_families",
    "word_bold",
    "word_font",
]


class Role(StrEnum):
    """Typographic roles that the templates refer to; GB/T 9704 assigns each a font."""

    XIAOBIAOSONG = "xiaobiaosong"
    FANGSONG = "fangsong"
    HEITI = "heiti"
    KAITI = "kaiti"
    SONGTI = "songti"


@dataclass(frozen=True)
class FreeFont:
    """A free font: its fontconfig family, the weight to ask for, and files for @font-face."""

    family: str
    weight: int = 400
    files: tuple[str, ...] = ()
    """File names to load explicitly (for fonts outside fontconfig's directories)."""


@dataclass(frozen=True)
class FontRole:
    """One GB/T 9704 font role: the official names and the free fonts standing in for them."""

    official: tuple[str, ...]
    """Official font names as browsers and Windows know them, preferred name first."""
    word: str
    """Name written into w:eastAsia of Word runs."""
    stand_ins: tuple[FreeFont, ...]
    generic: str
    word_only: tuple[FreeFont, ...] = ()
    """Further installed fonts Word may use (LibreOffice reads fontconfig; WeasyPrint does not
    need them)."""


_FANDOL = ("FandolSong", "FandolFang", "FandolHei", "FandolKai")

FONT_ROLES: dict[Role, FontRole] = {
    Role.XIAOBIAOSONG: FontRole(
        official=("方正小标宋简体", "FZXiaoBiaoSong-B05S", "方正小标宋_GBK"),
        word="方正小标宋简体",
        stand_ins=(
            FreeFont("Noto Serif CJK SC", 700),
            FreeFont("FandolSong", 700, ("FandolSong-Bold.otf",)),
        ),
        generic="serif",
    ),
    Role.FANGSONG: FontRole(
        official=("仿宋_GB2312", "仿宋", "FangSong", "STFangsong"),
        word="仿宋",
        stand_ins=(
            FreeFont("FandolFang", 400, ("FandolFang-Regular.otf",)),
            FreeFont("Noto Serif CJK SC"),
        ),
        generic="serif",
    ),
    Role.HEITI: FontRole(
        official=("黑体", "SimHei", "STHeiti"),
        word="黑体",
        stand_ins=(
            FreeFont("Noto Sans CJK SC"),
            FreeFont("FandolHei", 400, ("FandolHei-Regular.otf",)),
        ),
        generic="sans-serif",
    ),
    Role.KAITI: FontRole(
        official=("楷体_GB2312", "楷体", "KaiTi", "STKaiti"),
        word="楷体",
        stand_ins=(
            FreeFont("FandolKai", 400, ("FandolKai-Regular.otf",)),
            FreeFont("AR PL UKai CN"),
        ),
        generic="serif",
        word_only=(FreeFont("AR PL KaitiM GB"),),
    ),
    Role.SONGTI: FontRole(
        official=("宋体", "SimSun", "STSong"),
        word="宋体",
        stand_ins=(
            FreeFont("Noto Serif CJK SC"),
            FreeFont("FandolSong", 400, ("FandolSong-Regular.otf",)),
        ),
        generic="serif",
    ),
}

_FONT_DIRS = (
    "/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol",
    "/usr/share/texmf/fonts/opentype/public/fandol",
    "/usr/share/fonts/opentype/fandol",
    "/usr/local/share/fonts",
)


def _search_dirs() -> list[Path]:
    extra = [p for p in os.environ.get("FANGAN_FONT_DIRS", "").split(os.pathsep) if p]
    upstream = sorted(Path("/usr/local/texlive").glob("*/texmf-dist/fonts/opentype/public/fandol"))
    return [Path(p) for p in extra] + [Path(p) for p in _FONT_DIRS] + upstream


def _find(file_name: str) -> Path | None:
    for directory in _search_dirs():
        candidate = directory / file_name
        if candidate.is_file():
            return candidate
    return None


def _quote(family: str) -> str:
    return f'"{family}"'


def css_family(role: Role, *, official_first: bool) -> str:
    """A CSS ``font-family`` value for ``role``; see the module docstring for the order."""
    spec = FONT_ROLES[role]
    free = [f.family for f in spec.stand_ins]
    names = [*spec.official, *free] if official_first else [*free, *spec.official]
    return ", ".join([*map(_quote, dict.fromkeys(names)), spec.generic])


def css_weight(role: Role, *, official_first: bool) -> int:
    """Official fonts are drawn at their own weight; a stand-in may need a heavier cut (小标宋)."""
    return 400 if official_first else FONT_ROLES[role].stand_ins[0].weight


@cache
def font_face_css() -> str:
    """``@font-face`` rules for stand-in files found on disk (cached: the disk does not change).

    Fonts that fontconfig already knows need no rule; the rules only add the Fandol family,
    which lives in TeX Live's tree. Missing files are skipped, so the stack falls back.
    """
    rules: list[str] = []
    for spec in FONT_ROLES.values():
        for font in spec.stand_ins:
            for file_name in font.files:
                path = _find(file_name)
                if path is None:
                    continue
                rule = (
                    f"@font-face {{ font-family: {_quote(font.family)}; "
                    f"src: url({_quote(path.as_uri())}); font-weight: {font.weight}; }}"
                )
                if rule not in rules:
                    rules.append(rule)
    return "\n".join(rules)


@cache
def installed_families() -> frozenset[str]:
    """Font families fontconfig lists on this machine; empty where ``fc-list`` is missing."""
    try:
        listed = subprocess.run(
            ["fc-list", ":", "family"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(name.strip() for line in listed.splitlines() for name in line.split(","))


def _word_choice(role: Role) -> FreeFont | None:
    spec = FONT_ROLES[role]
    installed = installed_families()
    return next((f for f in (*spec.stand_ins, *spec.word_only) if f.family in installed), None)


def word_font(role: Role) -> str:
    """The font to name on Word styles and runs for ``role``: an installed stand-in, else the
    official Windows name."""
    choice = _word_choice(role)
    return choice.family if choice else FONT_ROLES[role].word


def word_bold(role: Role) -> bool:
    """Whether Word must embolden the role's text: a stand-in drawn heavier (小标宋 as Noto
    Serif Bold), as the PDF does."""
    choice = _word_choice(role)
    return choice is not None and choice.weight >= 700


def fandol_available() -> bool:
    """True when TeX Live's Fandol fonts (the 仿宋 and 楷体 stand-ins) are installed."""
    return all(_find(f"{name}-Regular.otf") is not None for name in _FANDOL)
