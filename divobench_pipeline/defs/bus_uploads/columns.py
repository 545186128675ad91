"""The second half of reading an upload: each kenmerk's check once per distinct value of its column, the
signaleringen, the rules between kenmerken, and the staged tables of an accepted upload."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from divobench_pipeline.core import schemas
from divobench_pipeline.defs.bus_uploads.layout import KENMERKEN, Kenmerk, kenmerk
from divobench_pipeline.defs.bus_uploads.messages import shown
from divobench_pipeline.defs.bus_uploads.shape import (
    CALLER_COLUMNS,
    LEVEL_KENMERKEN,
    REQUIRED_SIGNALED,
    TABLES,
    StagedTables,
    stripped,
    typed_columns,
)
from divobench_pipeline.defs.bus_uploads.values import CHECKS, Invalid, bsn_problems, checked_dates


@dataclass
class ParsedUpload:
    """An accepted upload: its month, its Leveringen, the staged rows (without the caller's columns; a frame per
    table name) and how completely each kenmerk was filled in."""

    month: datetime.date
    leveringen: list[dict]
    tables: StagedTables
    volledigheid: pd.DataFrame
    n_uitkeringen: int
    n_personen: int

    @property
    def signaleringen(self) -> pd.DataFrame:
        return self.tables["bus_signalering"]


@dataclass
class Checked:
    """One kenmerk column after its check: typed values, which rows left it empty, which rows failed (melding)."""

    values: object
    empty: np.ndarray
    failed: dict[int, tuple[str, str]]  # row -> (raw value, melding)


class ColumnStage:
    """What :class:`reader.Reader` does once the file has been read: its column lists become checked tables."""

    _raw: dict[str, list[list]]
    _context: dict[str, dict[str, list]]
    _empty_header: dict[int, int]
    _leveringen: list
    _signals: list[tuple]
    _month: datetime.date | None
    _pseudonymise: Callable[[str], str]

    def _signal(self, key: tuple, gemeentecode: str | None, registratienummer: str | None, persoon_nr: int | None,
                nr: int, raw: str | None, melding: str) -> None:
        """One signalering; ``key`` orders them as in the file. A BSN is never passed as ``raw``."""
        self._signals.append((key, gemeentecode, registratienummer, persoon_nr, nr, kenmerk(nr).element, shown(raw),
                              melding))

    def _result(self) -> ParsedUpload:
        tables = {}
        empty = {k.nr: (self._empty_header[k.nr], len(self._leveringen)) for k in LEVEL_KENMERKEN["levering"]}
        for level, table in TABLES.items():
            context = self._context[level]
            checked = {k.nr: self._check_bsns(raw) if k.kind == "bsn" else self._check_column(k, raw)
                       for k, raw in zip(LEVEL_KENMERKEN[level], self._raw[level], strict=True)}
            self._raw[level] = []
            self._record_checks(level, checked, context)
            data = {name: values for name, values in context.items() if name != "_u"}
            data.update({k.column: checked[k.nr].values for k in LEVEL_KENMERKEN[level]})
            tables[table.name] = typed_columns(table, data)
            empty.update({nr: (int(column.empty.sum()), len(context["_u"])) for nr, column in checked.items()})
        tables["bus_signalering"] = self._signal_columns()
        shown_kenmerken = [k for k in KENMERKEN if k.nr >= 5]
        volledigheid = pd.DataFrame({
            "kenmerk_nr": pd.array([k.nr for k in shown_kenmerken], dtype="Int64"),
            "element": np.array([k.element for k in shown_kenmerken], dtype=object),
            "niveau": np.array([k.level for k in shown_kenmerken], dtype=object),
            "leeg": pd.array([empty[k.nr][0] for k in shown_kenmerken], dtype="Int64"),
            "totaal": pd.array([empty[k.nr][1] for k in shown_kenmerken], dtype="Int64")})
        staged = StagedTables(tables)
        return ParsedUpload(month=self._month, leveringen=[lev.info for lev in self._leveringen], tables=staged,
                            volledigheid=volledigheid, n_uitkeringen=staged.rows("bus_uitkering"),
                            n_personen=staged.rows("bus_persoon"))

    def _check_bsns(self, raw: list) -> Checked:
        """The BSN column, checked at once (:func:`values.bsn_problems`); each valid BSN becomes its pseudonym,
        a failed one onbekend. The BSN itself never leaves this method."""
        raw = [stripped(v) for v in raw]
        present = np.flatnonzero(np.array([v is not None for v in raw], dtype=bool))
        given = [raw[r] for r in present]
        problems = bsn_problems(given)
        valid = problems == None  # noqa: E711 - elementwise over an object array
        pseudonyms = {bsn: self._pseudonymise(bsn) for bsn in dict.fromkeys(np.array(given, dtype=object)[valid])}
        values = np.full(len(raw), None, dtype=object)
        values[present[valid]] = [pseudonyms[given[i]] for i in np.flatnonzero(valid)]
        failed = {int(present[i]): (None, problems[i]) for i in np.flatnonzero(~valid)}
        empty = np.ones(len(raw), dtype=bool)
        empty[present] = False
        return Checked(values, empty, failed)

    @staticmethod
    def _check_column(k: Kenmerk, raw: list) -> Checked:
        """Check a column once per distinct value; typed values (dates as datetime64, whole numbers as Int64)."""
        codes, distinct = _stripped_codes(*pd.factorize(np.array(raw, dtype=object)))
        check = CHECKS[k.nr]
        # a date the check refuses is refused by checked_dates too (tested), so its value is NaT there already
        passing, dates = checked_dates(distinct) if k.kind == "date" else (np.zeros(len(distinct), dtype=bool), None)
        good: list = []
        failed: dict[int, str] = {}
        for i, value in enumerate(distinct):
            if passing[i]:
                good.append(value)
                continue
            try:
                good.append(value if check is None else check(value))
            except Invalid as invalid:
                good.append(None)
                failed[i] = str(invalid)
        good.append(None)  # code -1: absent or empty
        if dates is not None:
            values = np.append(dates, np.datetime64("NaT", "ns"))[codes]
        elif k.kind in ("amount", "signed", "count"):
            values = pd.array(good, dtype="Int64")[codes]
        else:
            values = np.array(good, dtype=object)[codes]
        rows = np.flatnonzero(np.isin(codes, list(failed))) if failed else ()
        return Checked(values, codes == -1, {int(r): (distinct[codes[r]], failed[codes[r]]) for r in rows})

    def _record_checks(self, level: str, checked: dict[int, Checked], context: dict[str, list]) -> None:
        """Signal the failed values, the missing required ones and the rules between kenmerken; a value that
        breaks a rule is set to onbekend."""
        def signal(row: int, nr: int, raw: str | None, melding: str) -> None:
            persoon_nr = context["persoon_nr"][row] if "persoon_nr" in context else None
            suffix = f" ({level} {context['volgnr'][row]})" if "volgnr" in context else ""
            registratienummer = (context["registratienummer"][row] if "registratienummer" in context
                                 else checked[7].values[row])
            self._signal((context["_u"][row], persoon_nr or 0, nr), context["gemeentecode"][row], registratienummer,
                         persoon_nr, nr, raw, melding + suffix)

        for nr, column in checked.items():
            for row, (raw, melding) in column.failed.items():
                signal(row, nr, raw, melding)
        for nr in REQUIRED_SIGNALED.get(level, ()):
            for row in np.flatnonzero(checked[nr].empty):
                signal(row, nr, None, "verplicht kenmerk ontbreekt")
        if level == "uitkering":
            statistiekcode = checked[8].values
            for nr, codes, melding in (
                    (9, ("14",), "nadere classificatie Bbz hoort alleen bij statistiekcode 14 (Bbz)"),
                    (17, ("11", "12"), "cluster bijzondere bijstand hoort alleen bij statistiekcode 11 of 12 "
                                       "(bijzondere bijstand)")):
                values = checked[nr].values
                for row in np.flatnonzero(pd.notna(values) & pd.notna(statistiekcode)
                                          & ~pd.Series(statistiekcode).isin(codes).to_numpy()):
                    signal(row, nr, values[row], f"{melding}, niet bij statistiekcode {statistiekcode[row]}")
                    values[row] = None
        if level == "persoon":
            aanvang, einde = checked[22].values, checked[23].values
            for row in np.flatnonzero(einde < aanvang):
                raw_einde, raw_aanvang = (_jjjjmmdd(einde[row]), _jjjjmmdd(aanvang[row]))
                signal(row, 23, raw_einde, f"einddatum uitkering {raw_einde} ligt vóór de aanvangsdatum uitkering "
                                           f"{raw_aanvang}")
                einde[row] = np.datetime64("NaT")
            for row in np.flatnonzero(~np.isnat(einde) & checked[34].empty):
                signal(row, 34, None, "reden beëindiging uitkering ontbreekt, terwijl de einddatum uitkering "
                                      f"{_jjjjmmdd(einde[row])} is ingevuld")

    def _signal_columns(self) -> dict[str, object]:
        rows = sorted(self._signals, key=lambda s: s[0])
        columns = [c for c in schemas.BUS_SIGNALERING.column_names if c not in CALLER_COLUMNS]
        data = dict(zip(columns, ([s[i] for s in rows] for i in range(1, len(columns) + 1)), strict=True))
        return typed_columns(schemas.BUS_SIGNALERING, data)



def _stripped_codes(codes: np.ndarray, distinct: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """A factorized column of texts as written, as the parser keeps them: stripped, and absent (code -1) where
    nothing is left; values that differ only in surrounding whitespace become one."""
    kept = [value.strip() for value in distinct]
    if all(kept) and all(map(str.__eq__, kept, distinct)):
        return codes, kept
    index: dict[str, int] = {}
    remap = np.array([index.setdefault(value, len(index)) if value else -1 for value in kept] + [-1], dtype=np.intp)
    return remap[codes], list(index)


def _jjjjmmdd(value: np.datetime64) -> str:
    return pd.Timestamp(value).strftime("%Y%m%d")
