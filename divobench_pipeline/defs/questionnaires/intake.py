"""Receiving a filled questionnaire workbook: archive, check, judge against the previous period, report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.defs.questionnaires.answers import judge, read_workbook
from divobench_pipeline.defs.questionnaires.periods import Period
from divobench_pipeline.defs.questionnaires.receipts import SourceReceipt, finish_receipt, in_force, start_receipt
from divobench_pipeline.defs.questionnaires.xlsx import WorkbookRejected


def receive_workbook(home: DivobenchHome, registry: Registry, participant_id: str, source: Path, *,
                     archive_key: bytes, today: dt.date | None = None, original_filename: str | None = None,
                     remove_source: bool = True) -> SourceReceipt:
    """Take one workbook from the inbox (or the command line) through the door; the answers in force of its
    period change only when it is accepted."""
    participant = registry[participant_id]
    receipt = start_receipt(home, "vragenlijst", participant_id, source, original_filename or source.name,
                            archive_key)
    if receipt.replay:
        _remove(source, remove_source)
        return receipt
    try:
        raw = read_workbook(source, home.max_upload_bytes, receipt.original_filename)
        period_text = str(raw.details.get("periode") or "").strip()
        previous_period, previous = _previous_answers(home, participant_id, period_text)
        answers = judge(raw, participant, today=today or dt.date.today(), joined=first_bus_month(home, participant_id),
                        previous=previous, previous_period=previous_period)
    except WorkbookRejected as rejection:
        receipt.reasons = list(rejection.reasons)
    else:
        receipt.questionnaire, receipt.period = answers.questionnaire, str(answers.period)
        receipt.values, receipt.signaleringen = answers.values, answers.signaleringen
    details = [("Vragenlijst", receipt.questionnaire or "onbekend"), ("Periode", receipt.period or "onbekend")]
    finish_receipt(home, receipt, f"{participant.name} ({participant_id})", details)
    _remove(source, remove_source)
    return receipt


def answers_in_force(home: DivobenchHome, participant_id: str, period: Period | str) -> dict[str, float | None]:
    receipt = in_force(home).get((str(period), participant_id))
    return dict(receipt.values) if receipt else {}


def _previous_answers(home: DivobenchHome, participant_id: str, period_text: str
                      ) -> tuple[str, dict[str, float | None]]:
    try:
        previous = Period.parse(period_text).previous()
    except ValueError:
        return "", {}
    return str(previous), answers_in_force(home, participant_id, previous)


def first_bus_month(home: DivobenchHome, participant_id: str) -> dt.date | None:
    """The first statistiekmaand of the participant's accepted BUS uploads: when it joined the benchmark."""
    from divobench_pipeline.defs.bus_uploads.intake import read_receipts

    months = [dt.date.fromisoformat(r.month) for r in read_receipts(home, participant_id)
              if r.accepted and r.month and r.participant_id == participant_id]
    return min(months) if months else None


def _remove(source: Path, remove: bool) -> None:
    if remove:
        source.unlink(missing_ok=True)
