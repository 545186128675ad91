"""Aanleverstatus of the questionnaires: per participant with the module and period, in (op tijd / te laat),
missing (ontbreekt: the deadline passed) or still expected (verwacht).

Periods are expected from the one holding the participant's first BUS month (or the first period it answered)
up to the last period that has ended. Deadlines: six weeks after a quarter, 1 April of the next year.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.defs.questionnaires.intake import first_bus_month
from divobench_pipeline.defs.questionnaires.periods import Period, ended_periods
from divobench_pipeline.defs.questionnaires.questions import questionnaires
from divobench_pipeline.defs.questionnaires.receipts import read_source_receipts
from divobench_pipeline.defs.questionnaires.tables import QUESTIONNAIRE_STATUS


def questionnaire_status(home: DivobenchHome, registry: Registry, today: dt.date) -> pd.DataFrame:
    """Rows of ``questionnaire_status`` as of ``today``."""
    first_in: dict[tuple[str, str], dt.date] = {}
    for receipt in read_source_receipts(home):
        if receipt.kind == "vragenlijst" and receipt.accepted and receipt.period:
            received = dt.datetime.fromisoformat(receipt.received_at).date()
            key = (receipt.period, receipt.participant_id)
            first_in[key] = min(first_in.get(key, received), received)
    rows = []
    for participant in registry.participants:
        answered = [Period.parse(p).first_day for p, pid in first_in if pid == participant.id]
        first = min(filter(None, [first_bus_month(home, participant.id), *answered]), default=None)
        for questionnaire in questionnaires().values():
            if questionnaire.module not in participant.modules or first is None:
                continue
            for period in ended_periods(questionnaire.periode, first, today):
                arrived = first_in.get((str(period), participant.id))
                deadline = period.deadline()
                if arrived is not None:
                    status = "op_tijd" if arrived <= deadline else "te_laat"
                else:
                    status = "ontbreekt" if today > deadline else "verwacht"
                rows.append({"period": str(period), "participant_id": participant.id,
                             "questionnaire": questionnaire.code, "deadline": pd.Timestamp(deadline),
                             "status": status, "eerste_ontvangst": pd.Timestamp(arrived) if arrived else pd.NaT,
                             "as_of": pd.Timestamp(today)})
    return pd.DataFrame(rows, columns=QUESTIONNAIRE_STATUS.column_names)


def status_lines(status: pd.DataFrame) -> list[str]:
    """The questionnaire part of ``divobench status``: per participant, the periods late, missing or expected."""
    if status.empty:
        return []
    lines = ["", "Vragenlijsten (verdiepende module, Armoede & Schulden):"]
    for (pid, code), rows in status.groupby(["participant_id", "questionnaire"], sort=True):
        counts = rows["status"].value_counts()
        open_ = [f"{p} {s}" for p, s in zip(rows["period"], rows["status"], strict=True) if s != "op_tijd"]
        lines.append(f"  {pid} {code}: {counts.get('op_tijd', 0)} op tijd"
                     + (f"; {', '.join(open_[-6:])}" if open_ else ""))
    return lines
