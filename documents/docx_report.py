"""The investigation report as a Word document laid out like a Chinese government report.

Built with python-docx from the shared report view. Word resolves Chinese text through the
``w:eastAsia`` font of a run, not ``w:ascii``, so every style and run sets both; otherwise Word
would show the body in its default 等线/宋体 instead of 仿宋 and 黑体.
"""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table as DocxTable
from docx.text.font import Font
from docx.text.paragraph import Paragraph
from lxml import etree

from documents import report_view
from documents.fonts import Role, word_bold, word_font
from documents.layout import GBT9704, signoff_indents, split_heading
from documents.model import InvestigationReport
from documents.report_view import Block, ReportView, Table

__all__ = ["render_report_docx"]

L = GBT9704
RED = RGBColor(0xCC, 0x00, 0x00)
BLACK = RGBColor(0, 0, 0)
BODY = "Fangan Body"
TABLE_TEXT = "Fangan Table Text"
REPORT_TITLE = "Fangan Title"
_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
_HEADING_ROLES = {1: Role.HEITI, 2: Role.KAITI}
_PPR_AFTER_AUTOSPACE = (
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
"""Elements that follow w:autoSpaceDE/DN in w:pPr; the schema fixes the order."""


def _chars(n: float) -> Pt:
    """A length of ``n`` body characters, as the standard counts indents."""
    return Pt(n * L.char_pitch_pt)


def _set_font(font: Font, role: Role, size_pt: float | None = None) -> None:
    """Name the role's font for Latin and East-Asian text and drop the theme fonts.

    Theme attributes (``w:eastAsiaTheme``) win over explicit names in Word, so they must go.
    """
    name = word_font(role)
    font.name = name
    rfonts = font.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)
    for attr in _THEME_ATTRS:
        rfonts.attrib.pop(qn(attr), None)
    if size_pt is not None:
        font.size = Pt(size_pt)


def _paragraph_style(
    doc: DocxDocument,
    name: str,
    role: Role,
    size_pt: float,
    *,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent_chars: float = 0,
    line_pt: float | None = L.line_pitch_pt,
    base: str = "Normal",
) -> ParagraphStyle:
    """Get or create a paragraph style and set the few properties these documents vary."""
    styles = doc.styles
    if name in [s.name for s in styles]:
        style = styles[name]
    else:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles[base]
    assert isinstance(style, ParagraphStyle)
    _set_font(style.font, role, size_pt)
    style.font.bold = False
    style.font.italic = False
    style.font.color.rgb = BLACK
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.first_line_indent = _chars(indent_chars) if indent_chars else Pt(0)
    fmt.space_before = fmt.space_after = Pt(0)
    if line_pt is None:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line_pt)
    return style


_FONT_TABLE_ENTRY = (
    '<w:font xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    ' w:name="{name}"><w:charset w:val="86"/><w:family w:val="{family}"/>'
    '<w:pitch w:val="variable"/></w:font>'
)


def _set_defaults(doc: DocxDocument) -> None:
    """The document defaults name the body font instead of the template's theme fonts, and the
    font table declares exactly the fonts used (GB2312 charset: a reader lacking one gets a
    Chinese substitute, not a Western one)."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        for rfonts in defaults.iter(qn("w:rFonts")):
            name = word_font(Role.FANGSONG)
            for attr in _THEME_ATTRS:
                rfonts.attrib.pop(qn(attr), None)
            for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                rfonts.set(qn(attr), name)
    table = next(p for p in doc.part.package.parts if p.partname == "/word/fontTable.xml")
    root = parse_xml(table.blob)
    for font in list(root):
        root.remove(font)
    families = {word_font(role): ("swiss" if role is Role.HEITI else "roman") for role in Role}
    for name, family in families.items():
        root.append(parse_xml(_FONT_TABLE_ENTRY.format(name=name, family=family)))
    table._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _setup_styles(doc: DocxDocument) -> None:
    normal = _paragraph_style(doc, "Normal", Role.FANGSONG, L.body_pt)
    _set_defaults(doc)
    rpr = normal.element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)
    _paragraph_style(doc, BODY, Role.FANGSONG, L.body_pt, indent_chars=2)
    heading = _paragraph_style(doc, "Heading 1", Role.HEITI, L.body_pt, indent_chars=2)
    heading.paragraph_format.keep_with_next = True
    title = _paragraph_style(
        doc,
        REPORT_TITLE,
        Role.XIAOBIAOSONG,
        L.title_pt,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        line_pt=L.line_pitch_pt * 1.25,
    )
    title.paragraph_format.space_after = Pt(L.line_pitch_pt)
    title.font.bold = word_bold(Role.XIAOBIAOSONG)
    caption = _paragraph_style(
        doc, "Caption", Role.HEITI, L.small_pt, align=WD_ALIGN_PARAGRAPH.CENTER, line_pt=None
    )
    caption.paragraph_format.keep_with_next = True
    caption.paragraph_format.space_before = Pt(4)
    caption.paragraph_format.space_after = Pt(2)
    cell = _paragraph_style(
        doc,
        TABLE_TEXT,
        Role.FANGSONG,
        L.table_pt,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        line_pt=L.table_pt * 1.5,
    )
    cell.paragraph_format.space_before = cell.paragraph_format.space_after = Pt(1)
    # No automatic gap between Chinese and digits: it would wrap dates in narrow columns.
    p_pr = cell.element.get_or_add_pPr()
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        off = OxmlElement(tag)
        off.set(qn("w:val"), "0")
        p_pr.insert_element_before(off, *_PPR_AFTER_AUTOSPACE)


def _setup_page(section: Section) -> None:
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(L.page_width_mm), Mm(L.page_height_mm)
    section.top_margin, section.bottom_margin = Mm(L.top_mm), Mm(L.bottom_mm)
    section.left_margin, section.right_margin = Mm(L.left_mm), Mm(L.right_mm)
    # The footer line holds the page number; its top sits about 7 mm under the type area.
    section.footer_distance = Mm(L.bottom_mm - L.page_number_gap_mm - 8)
    section.header_distance = Mm(15)


def _add_field(paragraph: Paragraph, instruction: str) -> None:
    """Append a Word field (e.g. PAGE) as begin/instr/separate/end runs, as Word writes it."""
    for kind, text in (("begin", None), (None, instruction), ("separate", None), ("end", None)):
        run = paragraph.add_run()
        _set_font(run.font, Role.SONGTI, L.small_pt)
        if kind is None:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {text} "
            run._r.append(instr)
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        if kind == "separate":
            run.add_text("1")  # shown until Word updates the field


def _page_number(paragraph: Paragraph, align: WD_ALIGN_PARAGRAPH) -> None:
    """Write "— n —" in 4号宋体, one character in from the outer edge (§7.5)."""
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = Pt(L.small_pt)
    for text in ("— ", None, " —"):
        if text is None:
            _add_field(paragraph, "PAGE")
        else:
            _set_font(paragraph.add_run(text).font, Role.SONGTI, L.small_pt)


_WATERMARK = """
<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
     xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">
  <w:pict>
    <v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800"
        path="m@7,l@8,m@5,21600l@6,21600e">
      <v:path textpathok="t" o:connecttype="custom"/>
      <v:textpath on="t" fitshape="t"/>
      <o:lock v:ext="edit" text="t" shapetype="t"/>
    </v:shapetype>
    <v:shape id="FanganDraftWatermark" o:spid="_x0000_s2049" type="#_x0000_t136"
        style="position:absolute;margin-left:0;margin-top:0;width:400pt;height:160pt;rotation:315;
               z-index:-251654144;mso-position-horizontal:center;
               mso-position-horizontal-relative:margin;mso-position-vertical:center;
               mso-position-vertical-relative:margin"
        o:allowincell="f" fillcolor="#f6d0d0" stroked="f">
      <v:fill opacity="0.5"/>
      <v:textpath style="font-family:&quot;{font}&quot;;font-size:1pt" string="草稿"/>
    </v:shape>
  </w:pict>
</w:r>
"""


def _setup_header_footer(doc: DocxDocument, section: Section, draft: bool) -> None:
    """Page numbers on the outer side (odd right, even left) and the 草稿 watermark."""
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)
    if draft:
        for header in (section.header, section.even_page_header):
            mark = parse_xml(_WATERMARK.replace("{font}", word_font(Role.HEITI)))
            header.paragraphs[0]._p.append(mark)


def _title(doc: DocxDocument, text: str) -> None:
    """A centred 2号 title broken into the same balanced lines as the PDF."""
    paragraph = doc.add_paragraph(style=REPORT_TITLE)
    lines = L.title_lines(text)
    for i, line in enumerate(lines, 1):
        run = paragraph.add_run(line)
        if i < len(lines):
            run.add_break()


def _body_paragraph(doc: DocxDocument, text: str) -> None:
    """A body paragraph whose leading 一、/（一） heading gets 黑体/楷体 (§7.3.3)."""
    paragraph = doc.add_paragraph(style=BODY)
    level, head, rest = split_heading(text)
    if level:
        _set_font(paragraph.add_run(head).font, _HEADING_ROLES[level])
    if rest:
        paragraph.add_run(rest)


def _mark_header_row(table: DocxTable) -> None:
    """Repeat the header row on every page and keep rows whole across page breaks."""
    for i, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if i == 0:
            tr_pr.append(OxmlElement("w:tblHeader"))


def _table(doc: DocxDocument, t: Table, *, caption: bool = True) -> None:
    """A bordered Word table (Table Grid), header in 黑体, spread over the type area."""
    if caption:
        doc.add_paragraph(t.caption, style="Caption")
    rows = t.rows or ((t.empty, *[""] * (len(t.header) - 1)),)
    table = doc.add_table(rows=1 + len(rows), cols=len(t.header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    total = sum(t.widths)
    for column, width in zip(table.columns, t.widths, strict=True):
        # Word reads the cell widths, LibreOffice the grid columns: set both.
        column.width = Mm(L.text_width_mm * width / total)
        for cell in column.cells:
            cell.width = column.width
    for r, values in enumerate((t.header, *rows)):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            paragraph.style = doc.styles[TABLE_TEXT]
            if not value:
                continue  # an empty cell stays empty, so merging it adds no blank line
            run = paragraph.add_run(value)
            if r == 0:
                _set_font(run.font, Role.HEITI)
            elif c in t.left:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    if t.row_mm:
        for row in table.rows[1:]:
            row.height, row.height_rule = Mm(t.row_mm), WD_ROW_HEIGHT_RULE.AT_LEAST
    if not t.rows:
        merged = table.cell(1, 0).merge(table.cell(1, len(t.header) - 1))
        merged.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _mark_header_row(table)
    doc.add_paragraph(style="Normal")  # Word glues consecutive tables without a paragraph


def _block(doc: DocxDocument, block: Block) -> None:
    if isinstance(block, Table):
        _table(doc, block)
        return
    caption = doc.add_paragraph(style=BODY)
    _set_font(caption.add_run(f"{block.caption}：").font, Role.KAITI)
    items = block.items or (f"{block.empty}。",)
    for number, item in enumerate(items, 1):
        doc.add_paragraph(f"{number}．{item}" if block.items else item, style=BODY)


def _signoff(doc: DocxDocument, name: str, date: str) -> None:
    name_indent, date_indent = signoff_indents(name, date)
    for text, indent in ((name, name_indent), (date, date_indent)):
        if not text:
            continue
        paragraph = doc.add_paragraph(text, style="Normal")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.right_indent = _chars(indent)


def _build(view: ReportView) -> DocxDocument:
    doc = Document()
    doc.core_properties.title = view.title.replace("\n", "")
    doc.core_properties.author = view.author
    doc.core_properties.language = "zh-CN"
    _setup_styles(doc)
    section = doc.sections[0]
    _setup_page(section)
    _setup_header_footer(doc, section, view.draft)
    if view.draft:
        run = doc.add_paragraph(style="Normal").add_run("草稿")
        _set_font(run.font, Role.HEITI)
        run.font.color.rgb = RED
        run.font.bold = True
    _title(doc, view.title)
    _table(doc, view.facts)
    for part in view.sections:
        doc.add_paragraph(part.heading, style="Heading 1")
        for text in part.paragraphs:
            _body_paragraph(doc, text)
        for block in part.blocks:
            _block(doc, block)
    _table(doc, view.members)
    _signoff(doc, view.author, view.date)
    doc.add_paragraph(style="Normal").add_run().add_break(WD_BREAK.PAGE)
    label = doc.add_paragraph(style="Normal")
    _set_font(label.add_run("附件").font, Role.HEITI)
    _title(doc, view.timeline.caption)
    _table(doc, view.timeline, caption=False)
    return doc


def render_report_docx(report: InvestigationReport) -> bytes:
    """The report as .docx bytes (Word 2007+ and LibreOffice open it)."""
    buffer = io.BytesIO()
    _build(report_view.build(report)).save(buffer)
    return buffer.getvalue()
