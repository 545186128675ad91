"""Answers in force into the warehouse: per (period, participant) partition, delete then insert."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.warehouse import insert_rows, transaction
from divobench_pipeline.defs.questionnaires.receipts import in_force
from divobench_pipeline.defs.questionnaires.tables import QUESTIONNAIRE_ANSWER, QUESTIONNAIRE_IN_FORCE


def waiting_files(folder: Path) -> list[Path]:
    """Files waiting in an inbox folder, oldest first (hidden files are uploads still being written)."""
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))


def answer_frames(home: DivobenchHome, keys: list[tuple[str, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(answers, in_force) rows for these (period, participant) partitions from the receipts in force."""
    receipts = in_force(home)
    answers, workbooks = [], []
    for key in keys:
        receipt = receipts.get(key)
        if receipt is None:
            continue
        answers += [{"period": receipt.period, "participant_id": receipt.participant_id,
                     "questionnaire": receipt.questionnaire, "code": code, "value": value,
                     "upload_sha256": receipt.sha256} for code, value in receipt.values.items()]
        workbooks.append({"period": receipt.period, "participant_id": receipt.participant_id,
                          "questionnaire": receipt.questionnaire, "upload_sha256": receipt.sha256,
                          "received_at": dt.datetime.fromisoformat(receipt.received_at).replace(tzinfo=None),
                          "original_filename": receipt.original_filename,
                          "n_signaleringen": receipt.n_signaleringen})
    return (pd.DataFrame(answers, columns=QUESTIONNAIRE_ANSWER.column_names),
            pd.DataFrame(workbooks, columns=QUESTIONNAIRE_IN_FORCE.column_names))


def replace_partitions(con: duckdb.DuckDBPyConnection, keys: list[tuple[str, str]], answers: pd.DataFrame,
                       workbooks: pd.DataFrame) -> None:
    """Replace the partitions as a whole in one transaction: a failed run leaves the answers in force in place."""
    wanted = pd.DataFrame(keys, columns=["period", "participant_id"])
    con.register("wanted_periods", wanted)
    try:
        with transaction(con):
            for table in (QUESTIONNAIRE_ANSWER, QUESTIONNAIRE_IN_FORCE):
                con.execute(f"DELETE FROM {table.name} t USING wanted_periods w "
                            "WHERE t.period = w.period AND t.participant_id = w.participant_id")
            insert_rows(con, QUESTIONNAIRE_ANSWER, answers)
            insert_rows(con, QUESTIONNAIRE_IN_FORCE, workbooks)
    finally:
        con.unregister("wanted_periods")


def loaded_workbooks(con: duckdb.DuckDBPyConnection | None) -> dict[tuple[str, str], str]:
    """(period, participant) → sha256 of the workbook the warehouse holds."""
    from divobench_pipeline.core.warehouse import has_table

    if con is None or not has_table(con, QUESTIONNAIRE_IN_FORCE.name):
        return {}
    return {(p, pid): sha for p, pid, sha in con.execute(
        "SELECT period, participant_id, upload_sha256 FROM questionnaire_in_force").fetchall()}
