"""From the accepted source files (read back from the archive) to the rows of the statushouders tables.

- CBS: every delivery is a vintage; a later file of the same levering replaces it. Suppressed cells stay NULL.
- COA: per half year, the newest accepted file delivering it; derived achterstand added.
- KIS: per survey year, the newest accepted file; only gemeenten whose participant has ``kis_consent`` are kept.
  The others are counted, never stored, so withdrawing consent empties them on the next build, and granting it
  brings them back from the archived file.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from divobench_pipeline.core.archive import UploadArchive
from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.defs.statushouders.intake import SourceReceipt, in_force
from divobench_pipeline.defs.statushouders.sources import parse_count, read_source
from divobench_pipeline.defs.statushouders.taakstelling import derive
from divobench_pipeline.defs.statushouders.tables import COA_TAAKSTELLING, KIS_ANTWOORD, SH_CBS_COHORT


@dataclass
class SourceFiles:
    """Reads the accepted files of the data directory back from the archive, each once."""

    home: DivobenchHome
    archive_key: bytes

    def __post_init__(self) -> None:
        self._archive = UploadArchive(self.home.archive, self.archive_key)
        self._parsed: dict[str, pd.DataFrame] = {}

    def rows(self, receipt: SourceReceipt) -> pd.DataFrame:
        if receipt.sha256 not in self._parsed:
            content = self._archive.read(receipt.sha256)
            self._parsed[receipt.sha256] = read_source(receipt.source, content, receipt.original_filename)
        return self._parsed[receipt.sha256]

    def in_force(self, source: str, column: str) -> pd.DataFrame:
        """The rows of each key (levering, periode, jaar) from the newest accepted file delivering it."""
        frames = [self.rows(r)[lambda f, k=key: f[column] == k].assign(upload_sha256=r.sha256)
                  for key, r in sorted(in_force(self.home, source).items())]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def cbs_rows(files: SourceFiles) -> pd.DataFrame:
    """Rows of ``sh_cbs_cohort``: every levering in force, Teller/Noemer as numbers or NULL (suppressed)."""
    raw = files.in_force("cbs_statushouders", "Levering")
    if raw.empty:
        return pd.DataFrame(columns=SH_CBS_COHORT.column_names)
    return pd.DataFrame({
        "levering": raw["Levering"], "gemeentecode": raw["Gemeentecode"], "gemeente_naam": raw["Gemeentenaam"],
        "indicator": raw["Indicator"], "peildatum": pd.to_datetime(raw["Peildatum"]),
        "teller": raw["Teller"].map(parse_count).astype("float64"),
        "noemer": raw["Noemer"].map(parse_count).astype("float64"), "upload_sha256": raw["upload_sha256"]})


def coa_rows(files: SourceFiles) -> pd.DataFrame:
    """Rows of ``coa_taakstelling``: each half year from its newest file, with the derived achterstand."""
    raw = files.in_force("coa", "periode")
    if raw.empty:
        return pd.DataFrame(columns=COA_TAAKSTELLING.column_names)
    numbers = {c: raw[c].astype(int) for c in ("landelijk_aantal", "taakstelling", "achterstand_begin", "realisatie")}
    opmerking = raw["opmerking"].replace("", None) if "opmerking" in raw else None
    frame = pd.DataFrame({"period": raw["periode"], "gemeentecode": raw["gemeentecode"],
                          "gemeente_naam": raw["gemeentenaam"], **numbers, "opmerking": opmerking,
                          "upload_sha256": raw["upload_sha256"]})
    return derive(frame)[COA_TAAKSTELLING.column_names]


def kis_rows(files: SourceFiles, registry: Registry) -> tuple[pd.DataFrame, dict[str, int]]:
    """(rows of ``kis_antwoord`` with consent, counts of what was dropped). The counts name no gemeente."""
    raw = files.in_force("kis", "jaar")
    if raw.empty:
        return pd.DataFrame(columns=KIS_ANTWOORD.column_names), {"antwoorden_niet_geladen": 0,
                                                                 "gemeenten_niet_geladen": 0}
    consenting = {g for p in registry.participants if p.kis_consent for g in p.gemeenten}
    keep = raw["gemeentecode"].isin(consenting)
    dropped = raw[~keep]
    frame = pd.DataFrame({"jaar": raw.loc[keep, "jaar"].astype(int), "gemeentecode": raw.loc[keep, "gemeentecode"],
                          "vraag": raw.loc[keep, "vraag"], "antwoord": raw.loc[keep, "antwoord"],
                          "upload_sha256": raw.loc[keep, "upload_sha256"]})
    return frame, {"antwoorden_niet_geladen": len(dropped),
                   "gemeenten_niet_geladen": int(dropped["gemeentecode"].nunique())}
