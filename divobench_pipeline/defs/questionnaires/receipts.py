"""Receipts of questionnaire workbooks and BUIG budget files, kept apart from the BUS receipts.

Like a BUS upload, a file is archived as received (encrypted, content-addressed) before it is judged; the
verdict is one JSON receipt; a rejected file is quarantined with its Dutch report; the newest accepted receipt
of a (participant, period) is the one in force and a rejected one never replaces it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from divobench_pipeline.core.archive import UploadArchive, sha256_of
from divobench_pipeline.core.files import write_json
from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.html import template_environment
from divobench_pipeline.defs.bus_uploads.intake import (
    ACCEPTED,
    ACCEPTED_WITH_SIGNALERINGEN,
    REJECTED,
    STATUS_NL,
)
from divobench_pipeline.defs.bus_uploads.report import STATUSES, _moment

BUDGET = "_budget"
KIND_TITLES = {"vragenlijst": "Uploadrapport vragenlijst", "budget": "Uploadrapport BUIG-budget"}


@dataclass
class SourceReceipt:
    """What happened to one received workbook or budget file (``values``: answers or budget rows)."""

    receipt_id: str
    kind: str
    participant_id: str
    sha256: str
    original_filename: str
    size: int
    received_at: str
    status: str = REJECTED
    questionnaire: str | None = None
    period: str | None = None
    values: dict | list = field(default_factory=dict)
    signaleringen: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    report: str = ""
    replay: bool = False

    @property
    def accepted(self) -> bool:
        return self.status != REJECTED

    @property
    def month(self) -> str | None:
        """The period, where the BUS intake's callers print a month."""
        return self.period

    @property
    def n_signaleringen(self) -> int:
        return len(self.signaleringen)


def receipts_dir(home: DivobenchHome) -> Path:
    return home.root / "vragenlijsten" / "ontvangst"


def read_source_receipts(home: DivobenchHome, participant_id: str | None = None) -> list[SourceReceipt]:
    """Every receipt (of one participant, or ``_budget``), oldest first."""
    root = receipts_dir(home)
    folders = [root / participant_id] if participant_id else sorted(root.glob("*"))
    found = [SourceReceipt(**json.loads(p.read_text(encoding="utf-8")))
             for folder in folders if folder.is_dir() for p in sorted(folder.glob("*.json"))]
    return sorted(found, key=lambda r: (r.receipt_id, r.participant_id))


def in_force(home: DivobenchHome, kind: str = "vragenlijst") -> dict[tuple[str, str], SourceReceipt]:
    """(period, participant) → the newest accepted receipt of that kind."""
    found = {}
    for receipt in read_source_receipts(home):
        if receipt.kind == kind and receipt.accepted and receipt.period:
            found[(receipt.period, receipt.participant_id)] = receipt
    return found


def start_receipt(home: DivobenchHome, kind: str, participant_id: str, source: Path, name: str,
                  archive_key: bytes) -> SourceReceipt:
    """Archive the file as received and open its receipt, or return the earlier receipt of a replay: the same
    content accepted before and still in force. A rejected file is judged again (the rules or the period may
    allow it now)."""
    sha256 = sha256_of(source)
    UploadArchive(home.archive, archive_key).put(source, sha256)
    earlier = read_source_receipts(home, participant_id)
    for index, receipt in enumerate(earlier):
        if receipt.sha256 == sha256 and receipt.accepted and not any(
                r.period == receipt.period and r.sha256 != sha256 for r in earlier[index + 1:]):
            receipt.replay = True
            return receipt
    received = dt.datetime.now(dt.UTC)
    return SourceReceipt(f"{received:%Y%m%dT%H%M%S%fZ}_{sha256[:12]}", kind, participant_id, sha256, name,
                         source.stat().st_size, received.isoformat())


def finish_receipt(home: DivobenchHome, receipt: SourceReceipt, title_of_unit: str, details: list[tuple[str, str]]
                   ) -> SourceReceipt:
    """Decide the status, write the report (quarantine when rejected) and the receipt."""
    if not receipt.reasons:
        receipt.status = ACCEPTED_WITH_SIGNALERINGEN if receipt.signaleringen else ACCEPTED
        folder = home.reports / "vragenlijsten" / receipt.participant_id / (receipt.period or "onbekend")
        report = folder / f"{receipt.receipt_id}.html"
    else:
        receipt.status, receipt.values = REJECTED, {}
        folder = home.quarantine / receipt.participant_id / receipt.receipt_id
        report = folder / "rapport.html"
    folder.mkdir(parents=True, exist_ok=True)
    report.write_text(render_report(receipt, title_of_unit, details), encoding="utf-8")
    receipt.report = str(report.relative_to(home.root))
    data = asdict(receipt)
    data.pop("replay")
    if receipt.status == REJECTED:
        write_json(folder / "ontvangst.json", data)
    write_json(receipts_dir(home) / receipt.participant_id / f"{receipt.receipt_id}.json", data)
    return receipt


_TEMPLATES = template_environment(__package__)

_EXPLANATION = {
    "geaccepteerd": "Het bestand is verwerkt. Het vervangt een eventuele eerdere aanlevering van dezelfde periode "
                    "in zijn geheel.",
    "geaccepteerd met signaleringen": "Het bestand is verwerkt en vervangt een eventuele eerdere aanlevering van "
                                      "dezelfde periode, maar controleer de signaleringen hieronder; de antwoorden "
                                      "worden gebruikt zoals ze zijn ingevuld.",
    "afgewezen": "Niets uit dit bestand wordt gebruikt; de eerdere aanlevering van deze periode blijft gelden. "
                 "Los de problemen hieronder op en lever het bestand opnieuw aan.",
}


def render_report(receipt: SourceReceipt, title_of_unit: str, details: list[tuple[str, str]]) -> str:
    """The Dutch upload report (the BUS upload report's look) as one self-contained HTML page."""
    status = STATUS_NL[receipt.status]
    answers = [(code, "" if value is None else f"{value:g}") for code, value in receipt.values.items()] \
        if receipt.kind == "vragenlijst" and receipt.values else []
    return _TEMPLATES.get_template("source_report.html.j2").render(
        title=KIND_TITLES[receipt.kind], unit=title_of_unit, css_class=STATUSES[status][0],
        status=status.capitalize(), explanation=_EXPLANATION[status], filename=receipt.original_filename,
        details=details, received_at=_moment(dt.datetime.fromisoformat(receipt.received_at)), sha256=receipt.sha256,
        reasons=receipt.reasons, signaleringen=receipt.signaleringen, answers=answers)
