"""Opening a handed-in workbook safely: an xlsx is a zip; check its directory before anything reads it.

Refused before openpyxl sees the file: not a zip (or not a workbook inside), macros (``vbaProject.bin`` or a
macro-enabled content type), external links (``externalLinks`` parts or external relationships), a formula that
reads another file, and a zip bomb (uncompressed sizes from the zip directory above the upload limit or a
compression ratio above ``MAX_RATIO``). zipfile never inflates a member past its declared size, so the
directory's sizes bound what is read.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

MAX_RATIO = 200
MAX_MEMBERS = 2_000
_FORMULA = re.compile(rb"<(?:\w+:)?f(?:\s[^>]*)?>(.*?)</(?:\w+:)?f>", re.DOTALL)
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_HYPERLINK = re.compile(rb'Type="[^"]*/hyperlink"')
_READS_A_FILE = re.compile(
    r"\[\s*\d+\s*\]|\[[^\]]*\.(?:xl\w*|csv|ods|txt)\s*\]|[a-z]:\\|\\\\|https?://|file:|"
    r"\b(?:WEBSERVICE|RTD|DDE|CALL|REGISTER|REGISTER\.ID|FILTERXML|IMPORTDATA)\s*\(", re.IGNORECASE)


class WorkbookRejected(ValueError):
    """The file is refused; ``reasons`` are Dutch sentences for the upload report."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("; ".join(reasons))


def is_workbook(path: Path) -> bool:
    """Whether the file is a zip (what an xlsx is): told apart from a BUS XML file by its first bytes."""
    with open(path, "rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def check_workbook_file(path: Path, max_bytes: int, name: str | None = None) -> None:
    """Raise WorkbookRejected unless ``path`` is a plain xlsx workbook that is safe to open (``name``: as handed
    in, for the messages)."""
    name = name or path.name
    if path.stat().st_size > max_bytes:
        raise WorkbookRejected([f"Het bestand {name} is groter dan de uploadlimiet van {max_bytes // 2**20} MB."])
    if not zipfile.is_zipfile(path):
        raise WorkbookRejected([f"Het bestand {name} is geen xlsx-werkmap (geen zip-bestand)."])
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            _check_sizes(name, members, max_bytes)
            names = {m.filename for m in members}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise WorkbookRejected([f"Het bestand {name} is geen xlsx-werkmap (de werkmap ontbreekt in de zip)."])
            content_types = archive.read("[Content_Types].xml")
            _check_active_content(name, names, content_types, archive)
    except zipfile.BadZipFile as exc:
        raise WorkbookRejected([f"Het bestand {name} is geen leesbare xlsx-werkmap ({exc})."]) from None


def _check_sizes(name: str, members: list[zipfile.ZipInfo], max_bytes: int) -> None:
    if len(members) > MAX_MEMBERS:
        raise WorkbookRejected([f"Het bestand {name} bevat {len(members)} onderdelen; dat is geen vragenlijst."])
    total = sum(m.file_size for m in members)
    if total > max_bytes:
        raise WorkbookRejected([f"Het bestand {name} zou uitgepakt {total // 2**20} MB zijn, meer dan de "
                                f"uploadlimiet van {max_bytes // 2**20} MB (mogelijk een zip-bom)."])
    for member in members:
        if member.file_size > 1_000_000 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise WorkbookRejected([f"Het bestand {name} is verdacht sterk gecomprimeerd ({member.filename}: "
                                    f"{member.file_size} bytes uit {member.compress_size}); mogelijk een zip-bom."])


def _check_active_content(name: str, names: set[str], content_types: bytes, archive: zipfile.ZipFile) -> None:
    if any(n.lower().endswith("vbaproject.bin") for n in names) or b"macroEnabled" in content_types:
        raise WorkbookRejected([f"Het bestand {name} bevat macro's (xlsm); lever een gewone xlsx-werkmap aan."])
    if any(n.startswith("xl/externalLinks/") for n in names):
        raise WorkbookRejected([f"Het bestand {name} bevat koppelingen naar andere bestanden (externe "
                                "koppelingen); verbreek ze en lever de werkmap opnieuw aan."])
    for part in sorted(n for n in names if n.endswith(".rels")):
        for relationship in _RELATIONSHIP.findall(archive.read(part)):
            if b'TargetMode="External"' in relationship and not _HYPERLINK.search(relationship):
                raise WorkbookRejected([f"Het bestand {name} verwijst naar een extern bestand ({part}); verbreek de "
                                        "koppeling en lever de werkmap opnieuw aan."])
    for part in sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")):
        for formula in _FORMULA.findall(archive.read(part)):
            text = formula.decode("utf-8", "replace")
            if _READS_A_FILE.search(text):
                raise WorkbookRejected([f"Het bestand {name} bevat een formule die een ander bestand leest "
                                        f"(={text}); vervang formules door waarden."])
