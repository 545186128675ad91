"""Data quality in the report: the upload in force (date, kenmerk, counts, a link to its upload report), the
participant's aanleverstatus over the last twelve months and the signaleringen of the upload in force."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from divobench_pipeline.core.participants import Participant
from divobench_pipeline.defs.reports.formatting import MISSING, nl_date, nl_month, nl_number

STATUS_NL = {"op_tijd": "op tijd", "te_laat": "te laat", "ontbreekt": "ontbreekt", "verwacht": "verwacht"}
MAX_SIGNALERINGEN = 15


@dataclass(frozen=True)
class Upload:
    received: dt.datetime
    kenmerk: str           # the first 12 characters of the upload's sha256: how the upload report names it
    filename: str
    uitkeringen: int
    personen: int
    signaleringen: int
    report: Path | None    # the upload report (reports/uploads/...), when it is there


@dataclass
class Quality:
    upload: Upload | None
    status: list[dict] = field(default_factory=list)          # per month: maand, status, deadline, ...
    signaleringen: list[dict] = field(default_factory=list)   # kenmerk, melding, aantal (largest first)
    signaleringen_total: int = 0


def quality_of(data, participant: Participant, gemeente: str | None, uploads_dir: Path | None) -> Quality:
    """Quality of the upload in force for ``data.month`` (restricted to ``gemeente`` for its own report)."""
    found = data.uploads[data.uploads["participant_id"] == participant.id]
    upload = None
    if len(found):
        row = found.iloc[0]
        sha = str(row["upload_sha256"])
        upload = Upload(pd.Timestamp(row["received_at"]).to_pydatetime(), sha[:12], str(row["original_filename"]),
                        int(row["n_uitkeringen"]), int(row["n_personen"]), int(row["n_signaleringen"]),
                        upload_report(uploads_dir, participant.id, data.month, sha))
    status = data.aanleverstatus[data.aanleverstatus["participant_id"] == participant.id]
    rows = [{"maand": nl_month(pd.Timestamp(r.month).date()), "status": STATUS_NL.get(r.status, r.status),
             "deadline": nl_date(pd.Timestamp(r.deadline).date()),
             "ontvangen": nl_date(pd.Timestamp(r.eerste_ontvangst).date()) if pd.notna(r.eerste_ontvangst) else MISSING,
             "uitkeringen": nl_number(r.uitkeringen) if pd.notna(r.uitkeringen) else MISSING,
             "signalen": "; ".join(s for s in (r.volume_signaal, r.volledigheid_signaal) if isinstance(s, str))
             or "geen"} for r in status.itertuples()]
    signals = data.signaleringen[data.signaleringen["participant_id"] == participant.id]
    if gemeente is not None:
        signals = signals[signals["gemeentecode"] == gemeente]
    merged = signals.groupby(["kenmerk_nr", "element", "melding"], as_index=False)["aantal"].sum() \
        .sort_values(["aantal", "kenmerk_nr"], ascending=[False, True])
    return Quality(upload, rows, [{"kenmerk": f"{r.kenmerk_nr} {r.element}", "melding": r.melding,
                                   "aantal": nl_number(r.aantal)} for r in merged.head(MAX_SIGNALERINGEN).itertuples()],
                   int(merged["aantal"].sum()))


def upload_report(uploads_dir: Path | None, participant_id: str, month: dt.date, sha256: str) -> Path | None:
    """The upload report of the upload in force: ``<uploads>/<participant>/<YYYY-MM>/<receipt>_<sha12>.html``."""
    if uploads_dir is None:
        return None
    found = sorted((uploads_dir / participant_id / f"{month:%Y-%m}").glob(f"*_{sha256[:12]}.html"))
    return found[-1] if found else None
