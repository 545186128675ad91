"""The upload report: one self-contained HTML page in Dutch for the municipal employee who uploaded a BUS file.

It says whether the file was accepted, lists what to fix in the source system (the reasons for a rejection, or
every signalering with its Levering, Registratienummer, persoon, kenmerk and value) and how completely each
kenmerk was filled in. It never shows a BSN: the parser never passes one on, and every text shown (except the
file's sha256) goes through :func:`parser.hide_nine_digits` once more.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from html import escape
from zoneinfo import ZoneInfo

import pandas as pd

from divobench_pipeline.defs.bus_uploads.layout import kenmerk
from divobench_pipeline.defs.bus_uploads.parser import MAANDEN, ParsedUpload, hide_nine_digits, month_label, shown

STATUSES = {
    "geaccepteerd": (
        "ok",
        "Het bestand is verwerkt. Het vervangt een eventuele eerdere upload van dezelfde maand."),
    "geaccepteerd met signaleringen": (
        "warn",
        "Het bestand is verwerkt en vervangt een eventuele eerdere upload van dezelfde maand, maar een aantal "
        "waarden kon niet worden gebruikt: die tellen mee als onbekend. Verbeter ze in uw eigen systeem; ze staan "
        "hieronder per uitkering."),
    "afgewezen": (
        "bad",
        "Niets uit dit bestand wordt gebruikt; de vorige upload van deze maand blijft gelden. Los de problemen "
        "hieronder op en lever het bestand opnieuw aan."),
}
MAX_SIGNALERING_ROWS = 25_000

_NL = ZoneInfo("Europe/Amsterdam")
_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2933; background: #f7f8fa;
       margin: 0; padding: 2rem; line-height: 1.45; }
main { max-width: 70rem; margin: 0 auto; background: #fff; padding: 2rem 2.5rem; border-radius: 6px;
       box-shadow: 0 1px 3px rgba(0,0,0,.08); }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; border-bottom: 1px solid #e4e7eb; padding-bottom: .25rem; }
.sub { color: #616e7c; margin: 0 0 1.5rem; }
.status { border-radius: 6px; padding: 1rem 1.25rem; margin-bottom: 1.5rem; border-left: 6px solid; }
.status strong { display: block; font-size: 1.3rem; margin-bottom: .25rem; }
.status.ok { background: #e3f9e5; border-color: #31a14a; }
.status.warn { background: #fff8e1; border-color: #d9a21b; }
.status.bad { background: #fde8e8; border-color: #c53030; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1.5rem; margin: 0; }
dt { color: #616e7c; }
dd { margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 600; }
ol.reasons li { margin-bottom: .4rem; }
.muted { color: #7b8794; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .88rem; }
footer { margin-top: 2rem; color: #7b8794; font-size: .85rem; }
"""


def render_upload_report(*, participant_id: str, participant_name: str, filename: str, sha256: str,
                         received_at: datetime.datetime, status: str, parsed: ParsedUpload | None,
                         reasons: Sequence[str] = ()) -> str:
    """The report of one upload as a complete HTML page (title "Uploadrapport BUS")."""
    if status not in STATUSES:
        raise ValueError(f"unknown upload status {status!r}; expected one of {sorted(STATUSES)}")
    css_class, explanation = STATUSES[status]
    month = month_label(parsed.month) if parsed is not None and parsed.month else "onbekend"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="nl"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Uploadrapport BUS</title><style>{_CSS}</style></head><body><main>",
        "<h1>Uploadrapport BUS</h1>",
        f'<p class="sub">{_e(participant_name)} ({_e(participant_id)})</p>',
        f'<div class="status {css_class}" role="status"><strong>{_e(status.capitalize())}</strong>'
        f"{_e(explanation)}</div>",
        "<dl>",
        f"<dt>Bestand</dt><dd>{_e(filename)}</dd>",
        f"<dt>Statistiekmaand</dt><dd>{_e(month)}</dd>",
        f"<dt>Ontvangen op</dt><dd>{_e(_moment(received_at))}</dd>",
        f'<dt>Kenmerk</dt><dd><code title="sha256 {escape(sha256)}">{escape(sha256[:12])}</code></dd>',
        "</dl>",
    ]
    if reasons:
        parts += ["<h2>Waarom het bestand is afgewezen</h2>", '<ol class="reasons">',
                  *(f"<li>{_e(reason)}</li>" for reason in reasons), "</ol>"]
    if parsed is not None:
        parts += _leveringen(parsed)
        parts += _signaleringen(parsed.signaleringen)
        parts += _volledigheid(parsed.volledigheid)
    parts += ["<footer>Dit rapport bevat geen burgerservicenummers. Registratienummers zijn die uit uw eigen "
              "systeem.</footer>", "</main></body></html>"]
    return "\n".join(parts) + "\n"


def _leveringen(parsed: ParsedUpload) -> list[str]:
    personen = parsed.tables["bus_persoon"]["gemeentecode"].value_counts()
    rows = []
    for lev in parsed.leveringen:
        software = " ".join(v for v in (lev.get("naam_softwarepakket"), lev.get("versie_softwarepakket")) if v)
        rows.append(
            f"<tr><td class=\"num\">{lev['levering_nr']}</td><td>{_e(_gemeente(lev['gemeentecode']))}</td>"
            f"<td>{_e(lev.get('berichtgevercode') or '')}</td><td>{_e(software) or _muted('onbekend')}</td>"
            f"<td class=\"num\">{_n(lev['n_uitkeringen'])}</td>"
            f"<td class=\"num\">{_n(int(personen.get(lev['gemeentecode'], 0)))}</td></tr>")
    total = (f'<tr class="total"><td></td><td>Totaal</td><td></td><td></td>'
             f'<td class="num">{_n(parsed.n_uitkeringen)}</td><td class="num">{_n(parsed.n_personen)}</td></tr>')
    return ["<h2>Leveringen</h2>", "<table><thead><tr><th class=\"num\">Levering</th><th>Gemeente</th>"
            "<th>Berichtgever</th><th>Softwarepakket</th><th class=\"num\">Uitkeringen</th>"
            "<th class=\"num\">Personen</th></tr></thead><tbody>", *rows,
            *([total] if len(parsed.leveringen) > 1 else []), "</tbody></table>"]


def _signaleringen(signaleringen: pd.DataFrame) -> list[str]:
    count = len(signaleringen)
    if not count:
        return ["<h2>Signaleringen</h2>", "<p>Geen: alle waarden konden worden gebruikt.</p>"]
    ordered = signaleringen.assign(
        _persoon=signaleringen["persoon_nr"].fillna(0),
        _registratie=signaleringen["registratienummer"].fillna(""),
    ).sort_values(["gemeentecode", "_registratie", "_persoon", "kenmerk_nr"], kind="stable")
    shown_rows = ordered.head(MAX_SIGNALERING_ROWS)
    per_kenmerk = signaleringen.groupby("kenmerk_nr").size()
    parts = [
        "<h2>Signaleringen</h2>",
        f"<p>{_n(count)} {'waarde is' if count == 1 else 'waarden zijn'} opgeslagen als onbekend. Per kenmerk: "
        + ", ".join(f"{_e(_kenmerk_label(int(nr)))} ({_n(int(n))})" for nr, n in per_kenmerk.items()) + ".</p>",
    ]
    if count > MAX_SIGNALERING_ROWS:
        parts.append(f"<p>Hieronder staan de eerste {_n(MAX_SIGNALERING_ROWS)}, gesorteerd op gemeente en "
                     "registratienummer. Verbeter die en lever opnieuw aan om de rest te zien.</p>")
    parts.append("<table><thead><tr><th>Gemeente</th><th>Registratienummer</th><th>Persoon</th><th>Kenmerk</th>"
                 "<th>Waarde</th><th>Melding</th></tr></thead><tbody>")
    for row in shown_rows.itertuples(index=False):
        nummer = shown(row.registratienummer) if isinstance(row.registratienummer, str) else None
        waarde = shown(row.waarde) if isinstance(row.waarde, str) else None
        parts.append(
            f"<tr><td>{_e(_gemeente(row.gemeentecode))}</td>"
            f"<td>{_e(nummer) if nummer is not None else _muted('(levering)')}</td>"
            f"<td>{_e(_persoon(row.persoon_nr))}</td><td>{_e(_kenmerk_label(int(row.kenmerk_nr)))}</td>"
            f"<td>{_e(waarde) if waarde is not None else _muted('(leeg)')}</td><td>{_e(row.melding)}</td></tr>")
    parts.append("</tbody></table>")
    return parts


def _volledigheid(volledigheid: pd.DataFrame) -> list[str]:
    rows = []
    for row in volledigheid.itertuples(index=False):
        totaal, leeg = int(row.totaal), int(row.leeg)
        percentage = f"{100 * leeg / totaal:.1f} %".replace(".", ",") if totaal else "—"
        rows.append(f"<tr><td>{_e(_kenmerk_label(int(row.kenmerk_nr)))}</td><td>{_e(row.niveau)}</td>"
                    f'<td class="num">{_n(leeg)}</td><td class="num">{_n(totaal)}</td>'
                    f'<td class="num">{percentage}</td></tr>')
    return ["<h2>Volledigheid per kenmerk</h2>",
            "<p>Hoeveel records een kenmerk leeg laten (niet aanwezig of zonder waarde). Een waarde met een "
            "signalering telt hier niet als leeg.</p>",
            "<table><thead><tr><th>Kenmerk</th><th>Niveau</th><th class=\"num\">Leeg</th>"
            "<th class=\"num\">Totaal</th><th class=\"num\">Percentage leeg</th></tr></thead><tbody>",
            *rows, "</tbody></table>"]


def _kenmerk_label(nr: int) -> str:
    return f"{nr} {kenmerk(nr).label}"


def _persoon(persoon_nr: object) -> str:
    if pd.isna(persoon_nr):
        return "—"
    return "aanvrager" if int(persoon_nr) == 1 else f"persoon {int(persoon_nr)}"


def _gemeente(gemeentecode: object) -> str:
    return gemeentecode.removeprefix("GM") if isinstance(gemeentecode, str) else "onbekend"


def _moment(moment: datetime.datetime) -> str:
    """A moment as a Dutch reader expects it: in Dutch time when the moment knows its zone."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(_NL)
    return f"{moment.day} {MAANDEN[moment.month - 1]} {moment.year} om {moment:%H:%M}"


def _n(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _muted(text: str) -> str:
    return f'<span class="muted">{_e(text)}</span>'


def _e(value: object) -> str:
    """Escaped for HTML, and never a run of nine digits (file names and reasons come from outside the parser)."""
    return escape(hide_nine_digits(str(value)), quote=True)
