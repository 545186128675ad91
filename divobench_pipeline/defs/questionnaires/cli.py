"""The command-line side of questionnaires and budgets (``divobench questionnaire``, ``upload --source budget``)."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from divobench_pipeline.core.home import ARCHIVE_KEY_ENV, DivobenchHome, ensure_key
from divobench_pipeline.core.participants import Participant
from divobench_pipeline.core.warehouse import read_warehouse
from divobench_pipeline.defs.questionnaires.budgets import receive_budget
from divobench_pipeline.defs.questionnaires.intake import answers_in_force
from divobench_pipeline.defs.questionnaires.periods import Period, PeriodError
from divobench_pipeline.defs.questionnaires.questions import questionnaire_for
from divobench_pipeline.defs.questionnaires.receipts import BUDGET, REJECTED
from divobench_pipeline.defs.questionnaires.workbook import write_workbook


def write_questionnaire(home: DivobenchHome, participant: Participant, period_text: str, output: Path | None) -> Path:
    """Write the workbook; ValueError (one sentence) for a bad period or a participant without the module."""
    try:
        period = Period.parse(period_text)
    except PeriodError:
        raise ValueError(f"{period_text!r} is not a period like 2026-Q3 (a quarter) or 2025 (a year).") from None
    questionnaire = questionnaire_for(period)
    if questionnaire.module not in participant.modules:
        raise ValueError(f"{participant.id} does not take the module {questionnaire.module}, so it has no "
                         f"{questionnaire.code} questionnaire.")
    previous = period.previous()
    target = output or Path.cwd() / f"vragenlijst_{participant.id}_{questionnaire.code}_{period}.xlsx"
    return write_workbook(target, participant, questionnaire, period,
                          answers_in_force(home, participant.id, previous), previous)


def upload_source(home: DivobenchHome, source: str, files: list[Path]) -> int:
    """Hand in source files (BUIG budgets); 2 when one was rejected."""
    inbox = home.inbox_of(BUDGET)
    inbox.mkdir(parents=True, exist_ok=True)
    rejected = 0
    for path in files:
        with tempfile.NamedTemporaryFile(dir=inbox, prefix=".upload-", delete=False) as handle:
            copy = Path(handle.name)
        shutil.copyfile(path, copy)
        with read_warehouse(home.warehouse) as con:
            receipt = receive_budget(home, copy, archive_key=ensure_key(home, ARCHIVE_KEY_ENV), con=con,
                                     original_filename=path.name)
        note = " (the same file was already received; nothing changed)" if receipt.replay else ""
        print(f"{path}: {receipt.status} ({source}, {receipt.period or 'no year'}){note}; report: "
              f"{home.root / receipt.report}")
        for reason in receipt.reasons:
            print(f"  - {reason}")
        if receipt.status == REJECTED:
            rejected += 1
            print(f"divobench: {path.name} rejected: {receipt.reasons[0]}", file=sys.stderr)
    if rejected < len(files):
        print("Run 'divobench refresh' (or let the sensor do it) to update the warehouse.")
    return 2 if rejected else 0
