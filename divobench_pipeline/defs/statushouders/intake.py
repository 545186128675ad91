"""Receiving a statushouders source file: archive it as received, check it, accept it or quarantine it.

Like the BUS intake: the file is archived (encrypted, content-addressed) before anything else; a receipt (JSON)
records the verdict; a rejected file is quarantined with a Dutch report naming row and column, and changes
nothing. The same content arriving again is a replay and changes nothing either. Accepted files are read back
from the archive when the warehouse is (re)built, so a later change of consent can be honoured both ways.
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
from divobench_pipeline.defs.statushouders.sources import SPECS, SourceRejected, keys_of, months_of, read_source

ACCEPTED, REJECTED = "accepted", "rejected"
STATUS_NL = {ACCEPTED: "geaccepteerd", REJECTED: "afgewezen"}
SOURCES = ("cbs_statushouders", "coa", "kis")
"""The statushouders sources, each with its inbox folder ``inbox/_<source>/`` and ``upload --source``."""
_TEMPLATES = template_environment("divobench_pipeline.defs.statushouders")


@dataclass
class SourceReceipt:
    """What happened to one received source file."""

    receipt_id: str
    source: str
    sha256: str
    original_filename: str
    size: int
    received_at: str
    status: str
    rows: int = 0
    keys: list[str] = field(default_factory=list)
    months: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    report: str = ""
    replay: bool = False

    @property
    def accepted(self) -> bool:
        return self.status == ACCEPTED


def inbox_of(home: DivobenchHome, source: str) -> Path:
    """``inbox/_<source>/``: where a sensor picks up files of this source."""
    return home.inbox / f"_{source}"


def receipts_of(home: DivobenchHome, source: str) -> Path:
    return home.root / "bronnen" / source


def waiting_files(home: DivobenchHome, source: str) -> list[Path]:
    folder = inbox_of(home, source)
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))


def receive_source_file(home: DivobenchHome, source: str, path: Path, *, archive_key: bytes,
                        original_filename: str | None = None, remove_source: bool = True) -> SourceReceipt:
    """Archive, check and accept or quarantine one file of ``source``; the inbox copy is removed afterwards."""
    sha256 = sha256_of(path)
    name = original_filename or path.name
    UploadArchive(home.archive, archive_key).put(path, sha256)
    for earlier in read_source_receipts(home, source):
        if earlier.sha256 == sha256:
            earlier.replay = True
            _remove(path, remove_source)
            return earlier
    received = dt.datetime.now(dt.UTC)
    receipt = SourceReceipt(f"{received:%Y%m%dT%H%M%S%fZ}_{sha256[:12]}", source, sha256, name,
                            path.stat().st_size, received.isoformat(), REJECTED)
    try:
        frame = read_source(source, path.read_bytes(), name)
    except SourceRejected as rejection:
        receipt.reasons = rejection.reasons
        folder = home.quarantine / f"_{source}" / receipt.receipt_id
    else:
        receipt.status, receipt.rows = ACCEPTED, len(frame)
        receipt.keys, receipt.months = keys_of(source, frame), months_of(source, frame)
        folder = home.reports / "bronnen" / source
    folder.mkdir(parents=True, exist_ok=True)
    report = folder / ("rapport.html" if not receipt.accepted else f"{receipt.receipt_id}.html")
    report.write_text(render_receipt(receipt), encoding="utf-8")
    receipt.report = str(report.relative_to(home.root))
    if not receipt.accepted:
        _write_json(folder / "ontvangst.json", receipt)
    _write_json(receipts_of(home, source) / f"{receipt.receipt_id}.json", receipt)
    _remove(path, remove_source)
    return receipt


def read_source_receipts(home: DivobenchHome, source: str) -> list[SourceReceipt]:
    """Every receipt of ``source``, oldest first."""
    folder = receipts_of(home, source)
    found = [SourceReceipt(**json.loads(p.read_text("utf-8"))) for p in sorted(folder.glob("*.json"))] \
        if folder.is_dir() else []
    return sorted(found, key=lambda r: r.receipt_id)


def in_force(home: DivobenchHome, source: str) -> dict[str, SourceReceipt]:
    """Per key (levering, half year or survey year): the newest accepted file delivering it."""
    chosen: dict[str, SourceReceipt] = {}
    for receipt in read_source_receipts(home, source):
        if receipt.accepted:
            chosen.update(dict.fromkeys(receipt.keys, receipt))
    return chosen


def render_receipt(receipt: SourceReceipt) -> str:
    """A short Dutch HTML page (``templates/ontvangst.html.j2``): which file, accepted or rejected, what to fix."""
    return _TEMPLATES.get_template("ontvangst.html.j2").render(
        r=receipt, label=SPECS[receipt.source].label, status=STATUS_NL[receipt.status])


def _write_json(path: Path, receipt: SourceReceipt) -> None:
    data = asdict(receipt)
    data.pop("replay")
    write_json(path, data)


def _remove(path: Path, remove: bool) -> None:
    if remove:
        path.unlink(missing_ok=True)
