"""The Word version (python-docx): the dashboard's content as an editable document with real headings, real
tables and the charts as pictures, so a participant can add its own text. Definitions are numbered like
footnotes (superscript) and listed in the appendix *Definities*."""

from __future__ import annotations

import io

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from lxml.etree import SubElement

from divobench_pipeline.defs.reports.charts import Chart
from divobench_pipeline.defs.reports.document import Document
from divobench_pipeline.defs.reports.formatting import MISSING, nl_date, nl_month, nl_number, unit_label

TABLE_STYLE = "Light Grid Accent 1"
_TR, _TC, _P, _R, _T, _SPACE = (qn(tag) for tag in ("w:tr", "w:tc", "w:p", "w:r", "w:t", "xml:space"))


def render_docx(document: Document) -> bytes:
    report, quality = document.report, document.report.quality
    out = docx.Document()
    section = out.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(1.8))
    out.styles["Normal"].font.size = Pt(9.5)
    _heading(out, report.title, level=0)
    out.add_paragraph(f"Deelnemer {report.participant.name} ({report.participant.id})"
                      + (f", gemeente {report.unit}" if report.unit != report.participant.id else ""))
    upload = (f"ontvangen {nl_date(quality.upload.received)}, kenmerk {quality.upload.kenmerk} "
              f"({quality.upload.filename})" if quality.upload else f"{MISSING} (niet aangeleverd)")
    _table(out, ["Gegeven", "Waarde"], [["Datamaand", nl_month(report.month)], ["Upload in gebruik", upload],
                                        ["Status groepswaarden", report.status],
                                        ["Gemaakt op", nl_date(report.generated_at)]])
    _heading(out, f"Kerncijfers {nl_month(report.month)}", level=1)
    _table(out, ["Indicator", "Eigen", "Landelijk"],
           [[_named(b), _with_reason(b.own), b.landelijk.text] for b in document.headline])
    for chart in document.overview:
        _chart(out, chart)
    for view in document.sections:
        _heading(out, view.title, level=1)
        if view.note:
            out.add_paragraph(view.note)
        if not view.blocks:
            out.add_paragraph(view.empty)
        _table(out, ["Indicator", "Eigen", "Landelijk", "Mediaan landelijk", "Plaats (landelijk)", "Periode"],
               [[_named(b), _with_reason(b.own), b.landelijk.text, *_landelijk_cells(b), nl_month(b.data_month)]
                for b in view.blocks])
        for block in (b for b in view.blocks if len(b.groups) > 1 or b.peers):
            _heading(out, f"{_named(block)}: vergeleken", level=2)
            rows = [[f"{report.unit_name} (eigen)", _with_reason(block.own), "", "", "", "", "", "", ""]]
            rows += [[g.label, _with_reason(g.value), g.median.text, str(g.n),
                      *(g.spread_text[k] if g.spread_text else MISSING for k in (0, 1, 3, 4)), g.place]
                     for g in block.groups]
            rows += [[f"Deelnemer: {p.label}", _with_reason(p.value), "", "", "", "", "", "", ""] for p in block.peers]
            _table(out, ["Groep", "Waarde", "Mediaan", "Gemeenten", "Minimum", "Q1", "Q3", "Maximum", "Eigen plaats"],
                   rows)
        for chart in view.charts:
            _chart(out, chart)
    _heading(out, "Met wie vergeleken", level=1)
    out.add_paragraph("Een groepswaarde is gepoold over de gemeenten met cijfers (som tellers / som noemers). "
                      "De mediaan en de kwartielen gaan over de waarden van de afzonderlijke gemeenten.")
    if report.neighbours:
        _heading(out, "Vergelijkbare gemeenten (afstand op CBS-kenmerken)", level=2)
        _table(out, ["Rang", "Gemeente", "Afstand"], [[str(r), n, nl_number(d, 2)] for r, n, d in report.neighbours])
    _quality(out, quality)
    _heading(out, "Definities", level=1)
    for block in document.definitions:
        paragraph = out.add_paragraph()
        paragraph._p.style = _style_id(out, "List Number", WD_STYLE_TYPE.PARAGRAPH)
        paragraph.add_run(f"{block.indicator.name}").bold = True
        paragraph.add_run(f" ({block.indicator.code}, {unit_label(block.indicator.unit_of_measure)}): "
                          f"{block.indicator.description}")
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _named(block) -> str:
    return f"{block.indicator.name} [{block.footnote}]"


def _with_reason(shown) -> str:
    return f"{shown.text} ({shown.reason})" if shown.reason else shown.text


def _landelijk_cells(block) -> list[str]:
    landelijk = block.landelijk_row
    return [landelijk.median.text, landelijk.place] if landelijk else [MISSING, MISSING]


def _table(out, header: list[str], rows: list[list[str]]) -> None:
    """A table in ``TABLE_STYLE``; each cell holds its text in one run of the cell's paragraph, the elements
    ``cell.text = ...`` writes, appended directly (python-docx's per-element bookkeeping, run by run, was most of
    writing the ~2,000 cells of a report)."""
    table = out.add_table(rows=1 + len(rows), cols=len(header))
    table._tbl.tblStyle_val = _style_id(out, TABLE_STYLE, WD_STYLE_TYPE.TABLE)
    for tr, values in zip(table._tbl.iterchildren(_TR), [header, *rows], strict=True):
        for tc, value in zip(tr.iterchildren(_TC), values, strict=True):
            paragraph = tc.find(_P)
            if any(c in value for c in "\t\n\r"):
                paragraph.add_r().text = value
            elif value:
                text = SubElement(SubElement(paragraph, _R), _T)
                text.text = value
                if value != value.strip():
                    text.set(_SPACE, "preserve")
    out.add_paragraph()


def _heading(out, text: str, level: int) -> None:
    """``out.add_heading(text, level)`` with the style's id looked up once."""
    paragraph = out.add_paragraph(text)
    paragraph._p.style = _style_id(out, "Title" if level == 0 else f"Heading {level}", WD_STYLE_TYPE.PARAGRAPH)


_STYLE_IDS: dict[tuple[str, WD_STYLE_TYPE], str | None] = {}


def _style_id(out, name: str, kind: WD_STYLE_TYPE) -> str | None:
    """The id of a named style. python-docx looks a name up on every use (two XPath queries over styles.xml);
    every report starts from python-docx's default template, so the ids are the same in every document."""
    if (name, kind) not in _STYLE_IDS:
        _STYLE_IDS[name, kind] = out.part.get_style_id(name, kind)
    return _STYLE_IDS[name, kind]


def _chart(out, chart: Chart) -> None:
    _heading(out, chart.title, level=2)
    out.add_picture(io.BytesIO(chart.png), width=Cm(17))
    caption = out.add_paragraph(chart.caption)
    caption.runs[0].italic = True
    if chart.rows:
        _table(out, chart.header, chart.rows)


def _quality(out, quality) -> None:
    _heading(out, "Datakwaliteit", level=1)
    if quality.upload:
        u = quality.upload
        out.add_paragraph(f"Upload in gebruik: ontvangen {nl_date(u.received)}, kenmerk {u.kenmerk}, "
                          f"{nl_number(u.uitkeringen)} uitkeringen, {nl_number(u.personen)} personen, "
                          f"{nl_number(u.signaleringen)} signaleringen."
                          + (f" Uploadrapport: {u.report}" if u.report else ""))
    _heading(out, "Aanleverstatus", level=2)
    _table(out, ["Maand", "Status", "Uiterste datum", "Ontvangen", "Uitkeringen", "Signalen"],
           [[s["maand"], s["status"], s["deadline"], s["ontvangen"], s["uitkeringen"], s["signalen"]]
            for s in quality.status])
    _heading(out, f"Signaleringen in de upload ({nl_number(quality.signaleringen_total)})", level=2)
    if quality.signaleringen:
        _table(out, ["Kenmerk", "Melding", "Aantal"],
               [[s["kenmerk"], s["melding"], s["aantal"]] for s in quality.signaleringen])
    else:
        out.add_paragraph("Geen signaleringen: alle waarden konden worden gebruikt.")
