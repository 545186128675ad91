"""The upload report: one self-contained HTML page in Dutch for the municipal employee who uploaded a BUS file.

It says whether the file was accepted, lists what to fix in the source system (the reasons for a rejection, or
every signalering with its Levering, Registratienummer, persoon, kenmerk and value) and how completely each
kenmerk was filled in. Rendered from ``templates/upload_report.html.j2`` (Jinja2, autoescaped). It never shows a
BSN: the parser never passes one on, and every value the template prints (except the file's sha256) goes through
:func:`parser.hide_nine_digits` once more.
"""

from __future__ import annotations

import collections
import datetime
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pandas as pd
from markupsafe import Markup, escape

from divobench_pipeline.core.html import template_environment
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


def _shown_value(value: object) -> object:
    """Every value the template prints, before escaping: never a run of nine digits (file names and reasons
    come from outside the parser). ``Markup`` is already safe HTML and passes as it is."""
    if isinstance(value, Markup):
        return value
    return hide_nine_digits("" if value is None else str(value))


def _muted_if_none(value: object, placeholder: str) -> object:
    return Markup('<span class="muted">{}</span>').format(placeholder) if value is None else value


_TEMPLATES = template_environment("divobench_pipeline.defs.bus_uploads", finalize=_shown_value)
_TEMPLATES.globals["muted_if_none"] = _muted_if_none


def render_upload_report(*, participant_id: str, participant_name: str, filename: str, sha256: str,
                         received_at: datetime.datetime, status: str, parsed: ParsedUpload | None,
                         reasons: Sequence[str] = (), month: datetime.date | None = None) -> str:
    """The report of one upload as a complete HTML page (title "Uploadrapport BUS").

    ``month`` is the Statistiekmaand of a rejected file when it could be read; an accepted one has its own.
    """
    if status not in STATUSES:
        raise ValueError(f"unknown upload status {status!r}; expected one of {sorted(STATUSES)}")
    css_class, explanation = STATUSES[status]
    month = parsed.month if parsed is not None and parsed.month else month
    return _TEMPLATES.get_template("upload_report.html.j2").render(
        participant_id=participant_id, participant_name=participant_name, css_class=css_class,
        status=status.capitalize(), explanation=explanation, filename=filename,
        month=month_label(month) if month else "onbekend", received_at=_moment(received_at),
        sha256=Markup(escape(sha256)), sha256_short=Markup(escape(sha256[:12])),  # a hash, shown as it is
        reasons=list(reasons),
        **(_upload_sections(parsed) if parsed is not None else {"leveringen": None}),
    )


def _upload_sections(parsed: ParsedUpload) -> dict:
    """What an accepted upload adds: its Leveringen, signaleringen and completeness per kenmerk."""
    personen = collections.Counter(parsed.tables.columns("bus_persoon")["gemeentecode"])
    leveringen = [{
        "nr": lev["levering_nr"], "gemeente": _gemeente(lev["gemeentecode"]),
        "berichtgever": lev.get("berichtgevercode") or "",
        "software": " ".join(v for v in (lev.get("naam_softwarepakket"), lev.get("versie_softwarepakket")) if v)
        or None,
        "uitkeringen": _n(lev["n_uitkeringen"]), "personen": _n(int(personen.get(lev["gemeentecode"], 0))),
    } for lev in parsed.leveringen]
    totaal = ({"uitkeringen": _n(parsed.n_uitkeringen), "personen": _n(parsed.n_personen)}
              if len(parsed.leveringen) > 1 else None)
    return {"leveringen": leveringen, "totaal": totaal, "signaleringen": _signaleringen(parsed.signaleringen),
            "volledigheid": _volledigheid(parsed.volledigheid)}


def _signaleringen(signaleringen: pd.DataFrame) -> dict:
    count = len(signaleringen)
    if not count:
        return {"count": 0, "count_text": _n(0), "per_kenmerk": [], "rows": [], "truncated_at": None}
    ordered = signaleringen.assign(
        _persoon=signaleringen["persoon_nr"].fillna(0),
        _registratie=signaleringen["registratienummer"].fillna(""),
    ).sort_values(["gemeentecode", "_registratie", "_persoon", "kenmerk_nr"], kind="stable")
    rows = [{
        "gemeente": _gemeente(row.gemeentecode),
        "registratienummer": shown(row.registratienummer) if isinstance(row.registratienummer, str) else None,
        "persoon": _persoon(row.persoon_nr), "kenmerk": _kenmerk_label(int(row.kenmerk_nr)),
        "waarde": shown(row.waarde) if isinstance(row.waarde, str) else None, "melding": row.melding,
    } for row in ordered.head(MAX_SIGNALERING_ROWS).itertuples(index=False)]
    per_kenmerk = [f"{_kenmerk_label(int(nr))} ({_n(int(n))})"
                   for nr, n in signaleringen.groupby("kenmerk_nr").size().items()]
    return {"count": count, "count_text": _n(count), "per_kenmerk": per_kenmerk, "rows": rows,
            "truncated_at": _n(MAX_SIGNALERING_ROWS) if count > MAX_SIGNALERING_ROWS else None}


def _volledigheid(volledigheid: pd.DataFrame) -> list[dict]:
    rows = []
    for row in volledigheid.itertuples(index=False):
        totaal, leeg = int(row.totaal), int(row.leeg)
        rows.append({"kenmerk": _kenmerk_label(int(row.kenmerk_nr)), "niveau": row.niveau, "leeg": _n(leeg),
                     "totaal": _n(totaal),
                     "percentage": f"{100 * leeg / totaal:.1f} %".replace(".", ",") if totaal else "—"})
    return rows


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
