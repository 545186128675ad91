"""Receiving one upload: archive it, check it, pseudonymise it, report on it, accept or quarantine it.

A receipt (JSON, one per upload received) records the verdict. The newest accepted receipt of a
participant-month is the upload in force; a rejected upload never replaces it.
"""

from __future__ import annotations

import datetime as dt
import functools
import multiprocessing
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pyarrow
import pyarrow.parquet as pq
import pydantic

from divobench_pipeline.core.archive import UploadArchive, sha256_of
from divobench_pipeline.core.files import write_json
from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.core.pseudonym import bsn_pseudonymiser
from divobench_pipeline.core.schemas import STAGED_TABLES, Table
from divobench_pipeline.defs.bus_uploads.parser import ParsedUpload, UploadRejected, parse_bus_upload
from divobench_pipeline.defs.bus_uploads.report import render_upload_report
from divobench_pipeline.defs.questionnaires.xlsx import is_workbook

PARALLEL_FROM_FILES = 8
ACCEPTED = "accepted"
ACCEPTED_WITH_SIGNALERINGEN = "accepted with signaleringen"
REJECTED = "rejected"
_ARROW_TYPES = {"DATE": pyarrow.date32(), "INTEGER": pyarrow.int32(), "VARCHAR": pyarrow.string()}
STATUS_NL = {ACCEPTED: "geaccepteerd", ACCEPTED_WITH_SIGNALERINGEN: "geaccepteerd met signaleringen",
             REJECTED: "afgewezen"}


class Receipt(pydantic.BaseModel):
    """What happened to one received upload; stored as JSON in ``receipts/<participant>/<receipt_id>.json``.

    ``replay`` (the same content arrived again and changed nothing) is said to the caller, never stored.
    """

    model_config = pydantic.ConfigDict(extra="forbid")

    receipt_id: str
    participant_id: str
    sha256: Annotated[str, pydantic.StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    original_filename: str
    size: pydantic.NonNegativeInt
    received_at: str
    status: Literal["accepted", "accepted with signaleringen", "rejected"]
    month: Annotated[str, pydantic.StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-01$")] | None = None
    gemeenten: list[str] = pydantic.Field(default_factory=list)
    n_uitkeringen: pydantic.NonNegativeInt = 0
    n_personen: pydantic.NonNegativeInt = 0
    n_signaleringen: pydantic.NonNegativeInt = 0
    reasons: list[str] = pydantic.Field(default_factory=list)
    report: str = ""
    staging: str | None = None
    replay: bool = pydantic.Field(default=False, exclude=True)

    @property
    def accepted(self) -> bool:
        return self.status != REJECTED

    @property
    def month_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.month) if self.month else None


class ReceiptError(ValueError):
    """A stored receipt is not valid; the message names the file and each field."""


def receive_upload(home: DivobenchHome, registry: Registry, participant_id: str, source: Path, *,
                   pseudonym_key: bytes, archive_key: bytes, today: dt.date | None = None,
                   original_filename: str | None = None, remove_source: bool = True) -> Receipt:
    """Take one file from the inbox (or the command line) through the door.

    The file is archived before anything else, so nothing is lost even if checking it fails; the source is
    removed only once a receipt has been written. The same content arriving again for a participant while
    it is still that participant's newest upload for its month is a replay and changes nothing. A workbook
    (a zip, or a file named as one) is a questionnaire, received by the questionnaires domain.
    """
    if is_workbook(source) or (original_filename or source.name).lower().endswith((".xlsx", ".xlsm")):
        from divobench_pipeline.defs.questionnaires.intake import receive_workbook

        return receive_workbook(home, registry, participant_id, source, archive_key=archive_key, today=today,
                                original_filename=original_filename, remove_source=remove_source)
    return _receive_bus(home, registry, participant_id, source, pseudonym_key=pseudonym_key,
                        archive_key=archive_key, today=today, original_filename=original_filename,
                        remove_source=remove_source)


def _receive_bus(home: DivobenchHome, registry: Registry, participant_id: str, source: Path, *,
                 pseudonym_key: bytes, archive_key: bytes, today: dt.date | None,
                 original_filename: str | None, remove_source: bool) -> Receipt:
    """A BUS-XML upload through the door: archive, parse and check, report, accept or quarantine."""
    participant = registry[participant_id]
    sha256 = sha256_of(source)
    name = original_filename or source.name
    UploadArchive(home.archive, archive_key).put(source, sha256)

    replayed = _replayed_receipt(home, participant_id, sha256)
    if replayed:
        replayed.replay = True
        _remove(source, remove_source)
        return replayed

    received = dt.datetime.now(dt.UTC)
    receipt = Receipt(
        receipt_id=f"{received:%Y%m%dT%H%M%S%fZ}_{sha256[:12]}", participant_id=participant_id, sha256=sha256,
        original_filename=name, size=source.stat().st_size, received_at=received.isoformat(), status=REJECTED,
    )
    parsed: ParsedUpload | None = None
    rejected_month: dt.date | None = None
    try:
        parsed = parse_bus_upload(
            source, pseudonymise=bsn_pseudonymiser(pseudonym_key),
            allowed_gemeenten=participant.gemeenten, today=today or dt.date.today(),
            max_bytes=home.max_upload_bytes)
    except UploadRejected as rejection:
        receipt.reasons = list(rejection.reasons)
        rejected_month = rejection.month

    if parsed is not None:
        receipt.month = parsed.month.isoformat()
        receipt.gemeenten = [lev["gemeentecode"] for lev in parsed.leveringen]
        receipt.n_uitkeringen, receipt.n_personen = parsed.n_uitkeringen, parsed.n_personen
        receipt.n_signaleringen = parsed.tables.rows("bus_signalering")
        receipt.status = ACCEPTED_WITH_SIGNALERINGEN if receipt.n_signaleringen else ACCEPTED
        receipt.staging = str(_write_staging(home, receipt, parsed).relative_to(home.root))
        report_dir = home.reports / "uploads" / participant_id / parsed.month.strftime("%Y-%m")
    else:
        report_dir = home.quarantine / participant_id / receipt.receipt_id

    report_dir.mkdir(parents=True, exist_ok=True)
    report_path = report_dir / (f"{receipt.receipt_id}.html" if parsed is not None else "rapport.html")
    report_path.write_text(render_upload_report(
        participant_id=participant_id, participant_name=participant.name, filename=name, sha256=sha256,
        received_at=received, status=STATUS_NL[receipt.status], parsed=parsed, reasons=receipt.reasons,
        month=rejected_month,
    ), encoding="utf-8")
    receipt.report = str(report_path.relative_to(home.root))
    if parsed is None:
        write_json(report_dir / "ontvangst.json", _public(receipt))
    write_json(home.receipts / participant_id / f"{receipt.receipt_id}.json", _public(receipt))
    _remove(source, remove_source)
    return receipt


def receive_waiting(home: DivobenchHome, registry: Registry, waiting: list[tuple[str, Path]], *,
                    pseudonym_key: bytes, archive_key: bytes) -> list[Receipt]:
    """Receive files waiting in the inbox: each participant's in order, participants side by side.

    A national month is hundreds of independent files, so with more than one core they are received by
    worker processes (``DIVOBENCH_INTAKE_WORKERS``, default: the number of cores), largest participants first;
    each task carries only its own participant (the whole registry, pickled per task, cost ~1 s a national month).
    """
    groups: dict[str, list[Path]] = {}
    for participant_id, path in waiting:
        groups.setdefault(participant_id, []).append(path)
    started = _started_pools.pop(home.root, None)
    workers = min(home.intake_workers, len(groups))
    if workers <= 1 or len(waiting) < PARALLEL_FROM_FILES:
        if started:
            started.shutdown(cancel_futures=True)
        return [receive_upload(home, registry, pid, path, pseudonym_key=pseudonym_key, archive_key=archive_key)
                for pid, path in waiting]
    largest_first = sorted(groups.items(), key=lambda item: -sum(p.stat().st_size for p in item[1]))
    with started or _pool(workers) as pool:
        futures = [pool.submit(_receive_participant_files, home, Registry((registry[pid],)), pid, paths,
                               pseudonym_key, archive_key) for pid, paths in largest_first]
        return [receipt for future in futures for receipt in future.result()]


@contextmanager
def intake_workers_started(home: DivobenchHome, waiting_files: int) -> Iterator[None]:
    """Start the intake's worker processes now when ``waiting_files`` make a parallel intake, and stop them on
    leaving if no intake used them. Each worker imports what it needs (~0.8 s); started by ``refresh`` before it
    opens the Dagster instance and plans, the workers are ready when the intake begins."""
    if home.intake_workers <= 1 or waiting_files < PARALLEL_FROM_FILES:
        yield
        return
    pool = _started_pools[home.root] = _pool(home.intake_workers)
    for _ in range(home.intake_workers):
        pool.submit(_ready)
    try:
        yield
    finally:
        if _started_pools.get(home.root) is pool:
            del _started_pools[home.root]
            pool.shutdown(cancel_futures=True)


_started_pools: dict[Path, ProcessPoolExecutor] = {}


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


def _ready() -> None:
    """Nothing: unpickling this function in a fresh worker imports this module and what the intake needs."""


def _receive_participant_files(home: DivobenchHome, registry: Registry, participant_id: str, paths: list[Path],
                               pseudonym_key: bytes, archive_key: bytes) -> list[Receipt]:
    return [receive_upload(home, registry, participant_id, path, pseudonym_key=pseudonym_key,
                           archive_key=archive_key) for path in paths]


def _write_staging(home: DivobenchHome, receipt: Receipt, parsed: ParsedUpload) -> Path:
    """The parsed upload, pseudonymised, as one Parquet file per staged table that has rows."""
    target = home.staging / receipt.participant_id / receipt.sha256
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    caller = {"month": parsed.month, "participant_id": receipt.participant_id, "upload_sha256": receipt.sha256}
    for table in STAGED_TABLES:
        if rows := parsed.tables.rows(table.name):
            pq.write_table(_arrow_table(table, parsed.tables.columns(table.name), rows, caller),
                           partial / f"{table.name}.parquet", store_schema=False)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(partial, target)
    return target


def _arrow_table(table: Table, columns: dict[str, object], rows: int, caller: dict[str, object]) -> pyarrow.Table:
    """A staged table's typed columns (datetime64, Int64, object: ``shape.typed_columns``) plus the caller's
    constant columns, as Arrow with the warehouse's types (DATE: date32, INTEGER: int32, VARCHAR: string).

    Written by pyarrow rather than through DuckDB: a DuckDB ``COPY`` costs milliseconds of fixed work per file
    and scans object columns value by value, and a national month writes 1,710 small files."""
    fields, arrays = [], []
    for column in table.columns:
        arrow_type = _ARROW_TYPES[column.sql_type]
        fields.append(pyarrow.field(column.name, arrow_type, nullable=column.name not in caller))
        if column.name in caller:
            arrays.append(pyarrow.repeat(pyarrow.scalar(caller[column.name], arrow_type), rows))
        else:
            arrays.append(_arrow_column(columns[column.name], column.sql_type))
    return pyarrow.Table.from_arrays(arrays, schema=pyarrow.schema(fields))


def _arrow_column(values, sql_type: str) -> pyarrow.Array:
    """One column as Arrow, from its numpy values and mask (pyarrow's own pandas path costs ~0.1 ms per column)."""
    if sql_type == "DATE":
        return pyarrow.array(values.astype("datetime64[D]"), pyarrow.date32(), mask=np.isnat(values))
    if sql_type == "INTEGER":
        return pyarrow.array(values.to_numpy("int64", na_value=0), pyarrow.int32(), mask=values.isna())
    return pyarrow.array(values, _ARROW_TYPES[sql_type], from_pandas=True)


def read_receipts(home: DivobenchHome, participant_id: str | None = None) -> list[Receipt]:
    """Every receipt (of one participant), oldest first.

    A receipt file is parsed once per process and version of the file (path, size, modification time): every
    planning wave reads all receipts, ~8,000 of them after two years of a national benchmark."""
    folders = ([str(home.receipts / participant_id)] if participant_id else
               [entry.path for entry in _entries(str(home.receipts)) if entry.is_dir()])
    receipts = [_read_receipt(entry.path, entry.stat()) for folder in folders for entry in _entries(folder)
                if entry.name.endswith(".json")]
    return sorted(receipts, key=lambda r: (r.receipt_id, r.participant_id))


def uploads_in_force(home: DivobenchHome) -> dict[tuple[str, str], Receipt]:
    """(month, participant) → the newest accepted upload for it."""
    in_force: dict[tuple[str, str], Receipt] = {}
    for receipt in read_receipts(home):
        if receipt.accepted and receipt.month:
            in_force[(receipt.month, receipt.participant_id)] = receipt
    return in_force


def _replayed_receipt(home: DivobenchHome, participant_id: str, sha256: str) -> Receipt | None:
    receipts = read_receipts(home, participant_id)
    for index, receipt in enumerate(receipts):
        if receipt.sha256 == sha256:
            later = receipts[index + 1:]
            if not any(r.month == receipt.month and r.sha256 != sha256 for r in later):
                return receipt
    return None


def _read_receipt(path: str, stat: os.stat_result) -> Receipt:
    """The receipt, as a copy the caller may change (its lists too: a deep copy costs as much as parsing)."""
    parsed = _parsed_receipt(path, stat.st_size, stat.st_mtime_ns)
    return parsed.model_copy(update={name: list(value) for name, value in parsed if isinstance(value, list)})


def _entries(folder: str) -> list[os.DirEntry]:
    try:
        return list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []


@functools.lru_cache(maxsize=65_536)
def _parsed_receipt(path: str, size: int, mtime_ns: int) -> Receipt:
    try:
        return Receipt.model_validate_json(Path(path).read_bytes())
    except pydantic.ValidationError as error:
        problems = "; ".join(f"field '{'.'.join(map(str, e['loc'])) or '(the whole file)'}': {e['msg']}"
                             for e in error.errors())
        raise ReceiptError(f"{path}: not a valid receipt: {problems}.") from None


def _public(receipt: Receipt) -> dict:
    return receipt.model_dump()


def _remove(source: Path, remove: bool) -> None:
    if remove:
        source.unlink(missing_ok=True)
