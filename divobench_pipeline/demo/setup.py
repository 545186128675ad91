"""The demo: a few participants (one a samenwerkingsverband) with 24 months of synthetic BUS uploads."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.months import shift_month
from divobench_pipeline.core.participants import load_registry, write_registry
from divobench_pipeline.demo.generator import UploadSpec, generate_uploads

DEMO_PARTICIPANTS = [
    {"id": "GM0153", "name": "Enschede", "gemeenten": ["GM0153"], "modules": ["wi_basis", "wi_verdiepend",
                                                                       "armoede_schulden"],
     "publish_consent": True, "kis_consent": True},
    {"id": "GM0637", "name": "Zoetermeer", "gemeenten": ["GM0637"],
     "modules": ["wi_basis", "armoede_schulden", "statushouders"],
     "publish_consent": False, "kis_consent": False},
    {"id": "GM1680", "name": "Aa en Hunze", "gemeenten": ["GM1680"], "modules": ["wi_basis", "statushouders"],
     "publish_consent": False, "kis_consent": True},
    {"id": "SV-ISD-BOLLENSTREEK", "name": "ISD Bollenstreek", "gemeenten": ["GM0534", "GM0553", "GM0575", "GM1525"],
     "reporting": 2, "modules": ["wi_basis", "wi_verdiepend", "armoede_schulden", "statushouders"],
     "publish_consent": False, "kis_consent": False,
     "references": {"vergelijkbaar": ["GM0637", "GM1680"]}},
]
REJECTED_EXAMPLE_PARTICIPANT = "GM1680"


def demo_months(count: int, today: dt.date | None = None) -> list[dt.date]:
    """The ``count`` most recent complete months: data in the benchmark is one month old."""
    last = shift_month((today or dt.date.today()).replace(day=1), -1)
    return [shift_month(last, -offset) for offset in reversed(range(count))]


def create_demo(home: DivobenchHome, *, months: int = 24, seed: int = 2026) -> list[Path]:
    """Write the demo registry (unless one exists) and drop synthetic uploads into the inbox.

    Besides the regular monthly files, the latest month of one gemeente is handed in a second time with a
    duplicated uitkering, so the demo also shows a rejected upload in the quarantine.
    """
    if not home.participants_file.exists():
        write_registry(home.participants_file, DEMO_PARTICIPANTS)
    missing = [p["id"] for p in DEMO_PARTICIPANTS if p["id"] not in load_registry(home.participants_file)]
    if missing:
        raise ValueError(f"{home.participants_file} is not the demo's registry (it lacks {', '.join(missing)}): "
                         "run the demo on a fresh data directory (DIVOBENCH_HOME).")
    specs = [UploadSpec(p["id"], tuple(p["gemeenten"])) for p in DEMO_PARTICIPANTS]
    dropped = []
    with tempfile.TemporaryDirectory() as scratch:
        generated = generate_uploads(Path(scratch), specs, demo_months(months), seed=seed)
        for upload in generated:
            target = home.inbox_of(upload.participant_id) / upload.path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(upload.path, target)
            dropped.append(target)
        latest = max((u for u in generated if u.participant_id == REJECTED_EXAMPLE_PARTICIPANT),
                     key=lambda u: u.month)
        broken = home.inbox_of(latest.participant_id) / f"{latest.path.stem}_herlevering.xml"
        broken.write_bytes(_duplicate_first_uitkering(latest.path.read_bytes()))
        dropped.append(broken)
    dropped += _questionnaires_and_budgets(home, demo_months(months), seed)
    dropped += drop_statushouders_sources(home)
    return dropped


STATUSHOUDERS_FILES = {"cbs_statushouders": ("cbs_statushouders_2025-H1.csv", "cbs_statushouders_2025-H2.csv"),
                       "coa": ("coa_taakstelling_2025.csv",), "kis": ("kis_2025.csv",)}


def drop_statushouders_sources(home: DivobenchHome) -> list[Path]:
    """Drop the shipped statushouders demo files (constructed, see demo/statushouders/README.md) into
    ``inbox/_cbs_statushouders/``, ``inbox/_coa/`` and ``inbox/_kis/``, oldest delivery first."""
    folder = resources.files("divobench_pipeline.demo").joinpath("statushouders")
    dropped = []
    for source, names in STATUSHOUDERS_FILES.items():
        inbox = home.inbox / f"_{source}"
        inbox.mkdir(parents=True, exist_ok=True)
        for name in names:
            target = inbox / name
            target.write_bytes(folder.joinpath(name).read_bytes())
            dropped.append(target)
    return dropped


def _questionnaires_and_budgets(home: DivobenchHome, months: list[dt.date], seed: int) -> list[Path]:
    """Issue 12: filled questionnaire workbooks (after the BUS files, so they are received after them) and the
    BUIG budget files of the demo years."""
    from divobench_pipeline.demo.questionnaires import create_budgets, create_questionnaires

    workbooks = create_questionnaires(home, load_registry(home.participants_file), months, seed)
    return workbooks + create_budgets(home, sorted({m.year for m in months if m.year > months[0].year}), seed)


def _duplicate_first_uitkering(xml: bytes) -> bytes:
    match = re.search(rb"<Uitkering>.*?</Uitkering>\s*", xml, flags=re.DOTALL)
    return xml[:match.end()] + match.group(0) + xml[match.end():]
