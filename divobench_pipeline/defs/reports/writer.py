"""Writing a participant's report files for a month:
``<root>/<participant-id>/<YYYY-MM>/{benchmarkrapport.html,.pdf,.docx, infographic.png,.pdf}`` and, for a
samenwerkingsverband with reporting option 2, the same set per gemeente under ``<GMxxxx>/``.

Every file is written beside its target and renamed into place, so a reader never sees half a report; a
``rapport.json`` records what the report was made from (the planner compares its fingerprint).
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.core.warehouse import read_warehouse
from divobench_pipeline.defs.reports.browser import Printer, printer
from divobench_pipeline.defs.reports.data import MonthData, NoData, load_month
from divobench_pipeline.defs.reports.document import build_document
from divobench_pipeline.defs.reports.html import render_html
from divobench_pipeline.defs.reports.infographic import infographic_html, infographic_png
from divobench_pipeline.defs.reports.model import build_report, own_units
from divobench_pipeline.defs.reports.paths import FILES, MANIFEST, report_dir, reports_root  # noqa: F401
from divobench_pipeline.defs.reports.word import render_docx

WORKERS_ENV = "DIVOBENCH_REPORT_WORKERS"
MIN_PER_WORKER = 6  # fewer reports than this per worker do not pay for starting a process and a browser


@dataclass
class Written:
    participant_id: str
    month: dt.date
    files: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # gemeenten of an option-2 samenwerkingsverband without data


def write_unit(con: duckdb.DuckDBPyConnection, data: MonthData, registry: Registry, participant_id: str,
               level: str, unit: str, out_dir: Path, printer: Printer, uploads_dir: Path | None) -> list[Path]:
    """The five files of one unit's report into ``out_dir``. Chromium prints the infographic and the report while
    Python writes the Word file."""
    document = build_document(build_report(con, data, registry, participant_id, level, unit, uploads_dir))
    html = render_html(document, out_dir)
    infographic = printer.submit(infographic_html(document))
    pdf = printer.submit(html)
    docx_bytes = render_docx(document)
    infographic_pdf = infographic.result()
    contents = (html.encode("utf-8"), pdf.result(), docx_bytes, infographic_png(infographic_pdf), infographic_pdf)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [_replace(out_dir / name, content) for name, content in zip(FILES, contents, strict=True)]


def write_participant(con: duckdb.DuckDBPyConnection, data: MonthData, registry: Registry, participant_id: str,
                      out_dir: Path, printer: Printer, uploads_dir: Path | None,
                      fingerprint: str | None = None) -> Written:
    """Every report of a participant for ``data.month``: the whole, and per gemeente with reporting option 2.
    NoData when the participant itself has no figures for the month."""
    written = Written(participant_id, data.month)
    for level, unit, subfolder in own_units(registry[participant_id]):
        try:
            written.files += write_unit(con, data, registry, participant_id, level, unit,
                                        out_dir / subfolder if subfolder else out_dir, printer, uploads_dir)
        except NoData:
            if subfolder is None:
                raise
            written.skipped.append(unit)
    manifest = {"participant": participant_id, "month": f"{data.month:%Y-%m}", "fingerprint": fingerprint,
                "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "files": [str(p.relative_to(out_dir)) for p in written.files]}
    _replace(out_dir / MANIFEST, json.dumps(manifest, indent=1).encode())
    return written


def write_month(con: duckdb.DuckDBPyConnection, home: DivobenchHome, registry: Registry, month: dt.date,
                participant_ids: Iterable[str], printer: Printer,
                fingerprints: dict[str, str] | None = None, data: MonthData | None = None) -> list[Written]:
    """The reports of ``participant_ids`` for ``month`` under the data directory, reading the month once (or
    using ``data``, read before). Participants without figures for the month get none (not in the result)."""
    data = data or load_month(con, month)
    results = []
    for pid in participant_ids:
        try:
            results.append(write_participant(con, data, registry, pid, report_dir(home, pid, month), printer,
                                             home.reports / "uploads", (fingerprints or {}).get(pid)))
        except NoData:
            continue
    return results


def write_reports(home: DivobenchHome, registry: Registry, wanted: dict[dt.date, list[str]],
                  workers: int | None = None) -> list[Written]:
    """The reports of every (month, participant) in ``wanted``, over ``workers`` processes (default:
    ``$DIVOBENCH_REPORT_WORKERS``, else the number of cores), each manifest with the participant-month's
    fingerprint (``planning.report_fingerprints``).

    The work is handed out in month order, in ever smaller chunks (``_chunked``), to whichever worker is free: the
    workers finish together, however much a participant's reports cost (a samenwerkingsverband with option 2 has
    one per gemeente). Each worker reads the warehouse read-only and prints with its own browser. While the
    workers start (imports, Chromium), this process reads the fingerprints and the first month, which every worker
    begins with; a worker reads a later month itself when it gets to it.
    """
    pairs = [(month, pid) for month in sorted(wanted) for pid in wanted[month]]
    workers = workers or int(os.environ.get(WORKERS_ENV) or os.cpu_count() or 1)
    workers = max(1, min(workers, len(pairs) // MIN_PER_WORKER))
    if workers <= 1:
        fingerprints = _fingerprints(home, registry, wanted)
        return _write_chunks(home, registry, fingerprints, {}, [(m, [pid]) for m, pid in pairs])
    context = multiprocessing.get_context("spawn")
    chunks = context.SimpleQueue()
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_take_chunks_from,
                             initargs=(chunks,)) as pool:
        warming = [pool.submit(_warm_up) for _ in range(workers)]
        fingerprints = _fingerprints(home, registry, wanted)
        first = _first_month(home, min(wanted))
        for chunk in _chunked(wanted, workers):
            chunks.put(chunk)
        for _ in range(workers):
            chunks.put(None)
        for started in warming:
            started.result()
        runs = [pool.submit(_write_queued, home, registry, fingerprints, first) for _ in range(workers)]
        return [w for run in runs for w in run.result()]


CHUNK = 2  # participants in the last hand-outs: no worker is left with much when the others are done


def _chunked(wanted: dict[dt.date, list[str]], workers: int) -> Iterator[tuple[dt.date, list[str]]]:
    """(month, participant ids) in month order, never over two months, each a quarter of a worker's share of what
    is left and at least ``CHUNK`` (guided self-scheduling): early hand-outs are large, so over many months a
    worker mostly keeps to a month (each month it touches, it reads), and the last ones are small."""
    left = sum(len(pids) for pids in wanted.values())
    for month in sorted(wanted):
        pids = wanted[month]
        start = 0
        while start < len(pids):
            chunk = pids[start:start + max(CHUNK, left // (4 * workers))]
            yield month, chunk
            left -= len(chunk)
            start += len(chunk)


_chunks = None  # a worker's queue of (month, participant ids), None at the end


def _take_chunks_from(chunks) -> None:
    global _chunks
    _chunks = chunks


def _warm_up() -> None:
    """Nothing: unpickling this function in a fresh worker imports this module and what it draws with."""


def _fingerprints(home: DivobenchHome, registry: Registry, wanted: dict[dt.date, list[str]]) -> dict:
    from divobench_pipeline.defs.reports.planning import report_fingerprints

    with read_warehouse(home.warehouse) as con:
        return report_fingerprints(con, registry, list(wanted))


def _first_month(home: DivobenchHome, month: dt.date) -> dict[dt.date, MonthData]:
    """{month: its data}, or nothing when the month has no figures (the worker raises NoData as before)."""
    with read_warehouse(home.warehouse) as con:
        try:
            return {month: load_month(con, month)}
        except NoData:
            return {}


def _write_queued(home: DivobenchHome, registry: Registry, fingerprints: dict[tuple[dt.date, str], str | None],
                  preloaded: dict[dt.date, MonthData]) -> list[Written]:
    """In a worker: the chunks it takes from the queue until the end, with one browser and connection."""
    return _write_chunks(home, registry, fingerprints, preloaded, iter(_chunks.get, None))


def _write_chunks(home: DivobenchHome, registry: Registry, fingerprints: dict[tuple[dt.date, str], str | None],
                  preloaded: dict[dt.date, MonthData], chunks: Iterable[tuple[dt.date, list[str]]]) -> list[Written]:
    """The reports of each (month, participant ids) in ``chunks``, which come in month order; the data of a month
    is read once (or taken from ``preloaded``).

    After a month's first chunk, what lives on (the month's lookups, hundreds of thousands of rows as dicts, the
    chart figures, the browser) is moved out of the garbage collector's sight (``gc.freeze``): otherwise every
    full collection walked all of it, ~0.1 s every ten reports. Unfrozen at the next month, so the previous
    month's data can be collected, and at the end."""
    written: list[Written] = []
    data = None
    try:
        with read_warehouse(home.warehouse) as con, printer() as pdf_printer:
            for month, pids in chunks:
                new_month = data is None or data.month != month
                if new_month:
                    gc.unfreeze()
                    data = preloaded.pop(month, None) or load_month(con, month)
                written += write_month(con, home, registry, month, pids, pdf_printer,
                                       {pid: fingerprints.get((month, pid)) for pid in pids}, data)
                if new_month:
                    gc.collect()
                    gc.freeze()
    finally:
        gc.unfreeze()
    return written


def _replace(path: Path, content: bytes) -> Path:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(content)
    partial.replace(path)
    return path
