"""Where a participant's report files live: ``<reports>/deelnemers/<participant-id>/<YYYY-MM>/``.

Kept apart from the writer so that planning (and importing the definitions) does not load the renderers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from divobench_pipeline.core.home import DivobenchHome

FILES = ("benchmarkrapport.html", "benchmarkrapport.pdf", "benchmarkrapport.docx", "infographic.png",
         "infographic.pdf")
MANIFEST = "rapport.json"


def reports_root(home: DivobenchHome) -> Path:
    return home.reports / "deelnemers"


def report_dir(home: DivobenchHome, participant_id: str, month: dt.date) -> Path:
    return reports_root(home) / participant_id / f"{month:%Y-%m}"
