"""What a month's reports read from the warehouse, loaded once per month for all its participants.

Everything here is read-only: indicator values of the last ``TREND_MONTHS`` months (every level and unit),
group values, group members and each group's spread over its units, the uploads in force with their
signaleringen, the aanleverstatus, the vergelijkbare gemeenten of the year, gemeente names, and uitstroom by
reden beëindiging (from the staged BUS rows, with the same definition of einde and reden as the indicators).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import duckdb
import pandas as pd

from divobench_pipeline.core.warehouse import has_table
from divobench_pipeline.defs.bus_uploads.layout import code_label
from divobench_pipeline.defs.cbs_kerncijfers.registry import CODES as CBS_CODES
from divobench_pipeline.defs.wi_indicators.compute import _BASE_CTES as INDICATOR_BASE_CTES

TREND_MONTHS = 24
REDEN_MONTHS = 12
REDEN_KENMERK = 34  # RedenBeeindigingUitkering


class NoData(LookupError):
    """The warehouse has nothing to report for this month (or participant)."""


@dataclass(frozen=True)
class CbsYear:
    """The CBS kerncijfers of the newest year whose December is at or before the report month."""

    month: dt.date                              # December of the CBS year
    values: dict[tuple[str, str, str], dict]    # (indicator, level, unit) → indicator_value row
    landelijk: dict[str, dict]                  # indicator → the landelijk group_value row

    @property
    def year(self) -> int:
        return self.month.year


@dataclass
class MonthData:
    month: dt.date
    trend_months: list[dt.date]
    values: pd.DataFrame          # indicator_value rows of the trend months
    groups: pd.DataFrame          # group_value rows: every group in ``month``, landelijk in every trend month
    members: pd.DataFrame         # group_member rows of ``month``
    spread: pd.DataFrame          # per indicator and group of ``month``: min, q1, median, q3, max over units
    uploads: pd.DataFrame         # bus_upload_in_force of ``month``
    signaleringen: pd.DataFrame   # per participant, gemeente, kenmerk and melding: count
    aanleverstatus: pd.DataFrame  # rows of the last twelve months
    neighbours: pd.DataFrame      # gemeente_vergelijkbaar of the month's year
    gemeente_names: dict[str, str] = field(default_factory=dict)
    reden: pd.DataFrame = field(default_factory=pd.DataFrame)  # gemeente, month, reden, label, uitkeringen
    cbs: CbsYear | None = None
    _funnel_points: dict[str, list[tuple[float, float]]] = field(default_factory=dict, repr=False)

    def unit_map(self, level: str, unit: str) -> dict:
        """One unit's values: {"months": months with any value, "values": {indicator: {month: row}}}."""
        return self._by_unit.get((level, unit), {"months": set(), "values": {}})

    def group_row(self, indicator: str, group_type: str, group_code: str) -> dict | None:
        """A group's row for ``month``: value (pooled), median, n, numerator, denominator, status."""
        return self._group_rows.get((indicator, group_type, group_code))

    @cached_property
    def landelijk(self) -> dict[str, dict[dt.date, dict]]:
        """indicator → month → the landelijk row, over the trend months."""
        found: dict[str, dict[dt.date, dict]] = {}
        for row in _records(self.groups[self.groups["group_type"] == "landelijk"]):
            found.setdefault(row["indicator"], {})[row["month"]] = row
        return found

    @cached_property
    def _by_unit(self) -> dict[tuple[str, str], dict]:
        found: dict[tuple[str, str], dict] = {}
        for row in _records(self.values):
            entry = found.setdefault((row["level"], row["unit"]), {"months": set(), "values": {}})
            entry["months"].add(row["month"])
            entry["values"].setdefault(row["indicator"], {})[row["month"]] = row
        return found

    @cached_property
    def _group_rows(self) -> dict[tuple[str, str, str], dict]:
        current = self.groups[self.groups["month"] == pd.Timestamp(self.month)]
        return {(r["indicator"], r["group_type"], r["group_code"]): r for r in _records(current)}

    @cached_property
    def group_names(self) -> dict[tuple[str, str], str]:
        frame = self.members[["group_type", "group_code", "group_name"]].drop_duplicates(["group_type", "group_code"])
        return {(t, c): n for t, c, n in frame.itertuples(index=False)}

    def funnel_points(self, indicator: str) -> list[tuple[float, float]]:
        """(denominator, value) of every landelijk unit with a denominator above 0 in ``month``: the dots of the
        indicator's funnel plot, the same in every report of the month."""
        if indicator not in self._funnel_points:
            units = self.members[self.members["group_type"] == "landelijk"][["unit_level", "unit"]]
            values = self._current_values[(self._current_values["indicator"] == indicator)
                                          & (self._current_values["denominator"] > 0)]
            points = values.merge(units, left_on=["level", "unit"], right_on=["unit_level", "unit"])
            self._funnel_points[indicator] = list(zip(points["denominator"].astype(float),
                                                      points["value"].astype(float), strict=True))
        return self._funnel_points[indicator]

    @cached_property
    def _current_values(self) -> pd.DataFrame:
        return self.values[self.values["month"] == pd.Timestamp(self.month)]

    @cached_property
    def spread_by_indicator(self) -> dict[str, pd.DataFrame]:
        return {code: rows.set_index(["group_type", "group_code"])
                for code, rows in self.spread.groupby("indicator", sort=False)}


def months_back(month: dt.date, count: int) -> dt.date:
    """The first day of the month ``count`` months before ``month``."""
    return (pd.Timestamp(month) - pd.DateOffset(months=count)).date()


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with plain Python values: months as dates, NaN as None; group columns renamed like units'.
    Built column by column (``to_dict("records")`` boxes every value on its own: seconds for a national month)."""
    frame = frame.rename(columns={"group_value": "value", "group_median": "median", "group_n": "n"})
    columns = [[ts.date() for ts in frame[name]] if name == "month"
               else frame[name].astype(object).where(frame[name].notna(), None).tolist() for name in frame.columns]
    names = list(frame.columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def months_with_data(con: duckdb.DuckDBPyConnection) -> list[dt.date]:
    if not has_table(con, "group_value"):
        return []
    return [m for (m,) in con.execute("SELECT DISTINCT month FROM group_value ORDER BY month").fetchall()]


def load_month(con: duckdb.DuckDBPyConnection, month: dt.date) -> MonthData:
    """Everything the reports of ``month`` show; NoData when the month has no group values."""
    if month not in months_with_data(con):
        raise NoData(f"er zijn geen benchmarkcijfers voor {month:%Y-%m} in het warehouse")
    first = months_back(month, TREND_MONTHS - 1)
    trend = [m for m in months_with_data(con) if first <= m <= month]
    params = [first, month]
    values = con.execute("SELECT indicator, level, unit, month, numerator, denominator, value FROM indicator_value "
                         "WHERE month BETWEEN ? AND ?", params).df()
    groups = con.execute("""
        SELECT indicator, month, group_type, group_code, numerator, denominator, group_value, group_median,
               group_n, status FROM group_value
        WHERE month = ? OR (group_type = 'landelijk' AND month BETWEEN ? AND ?)""", [month, *params]).df()
    members = con.execute("SELECT group_type, group_code, group_name, unit_level, unit FROM group_member "
                          "WHERE month = ?", [month]).df()
    spread = con.execute("""
        SELECT v.indicator, m.group_type, m.group_code,
               min(v.value) AS min, quantile_cont(v.value, 0.25) AS q1, median(v.value) AS median,
               quantile_cont(v.value, 0.75) AS q3, max(v.value) AS max, count(v.value) AS n
        FROM group_member m JOIN indicator_value v
          ON v.month = m.month AND v.level = m.unit_level AND v.unit = m.unit
        WHERE m.month = ? AND v.value IS NOT NULL GROUP BY ALL""", [month]).df()
    uploads = con.execute("SELECT * FROM bus_upload_in_force WHERE month = ?", [month]).df()
    signaleringen = con.execute("""
        SELECT participant_id, gemeentecode, kenmerk_nr, element, melding, count(*) AS aantal
        FROM bus_signalering WHERE month = ? GROUP BY ALL ORDER BY aantal DESC, kenmerk_nr""", [month]).df()
    status = con.execute("SELECT * FROM aanleverstatus WHERE month BETWEEN ? AND ? ORDER BY month",
                         [months_back(month, 11), month]).df()
    neighbours = con.execute("SELECT gemeentecode, rang, buur_code, afstand FROM gemeente_vergelijkbaar "
                             "WHERE jaar = ? ORDER BY gemeentecode, rang", [month.year]).df()
    names = dict(con.execute("SELECT gemeentecode, gemeente_naam FROM gemeente_indeling WHERE jaar = ("
                             "SELECT max(jaar) FROM gemeente_indeling WHERE jaar <= ?)", [month.year]).fetchall())
    return MonthData(month, trend, values, groups, members, spread, uploads, signaleringen, status, neighbours,
                     names, uitstroom_by_reden(con, month), load_cbs_year(con, month))


def load_cbs_year(con: duckdb.DuckDBPyConnection, month: dt.date) -> CbsYear | None:
    """The ``cbs.*`` values (every unit) and landelijk group rows of the newest December at or before ``month``;
    None when the warehouse has none."""
    codes = "indicator IN (SELECT unnest(?::VARCHAR[]))"
    (december,) = con.execute(f"SELECT max(month) FROM indicator_value WHERE {codes} AND month(month) = 12 "
                              "AND month <= ?", [list(CBS_CODES), month]).fetchone()
    if december is None:
        return None
    values = con.execute("SELECT indicator, level, unit, month, numerator, denominator, value FROM indicator_value "
                         f"WHERE month = ? AND {codes}", [december, list(CBS_CODES)]).df()
    landelijk = con.execute("SELECT indicator, month, numerator, denominator, group_value, group_median, group_n "
                            f"FROM group_value WHERE month = ? AND group_type = 'landelijk' AND {codes}",
                            [december, list(CBS_CODES)]).df()
    return CbsYear(december, {(r["indicator"], r["level"], r["unit"]): r for r in _records(values)},
                   {r["indicator"]: r for r in _records(landelijk)})


def uitstroom_by_reden(con: duckdb.DuckDBPyConnection, month: dt.date) -> pd.DataFrame:
    """Per gemeente and month of the last ``REDEN_MONTHS``: PW uitkeringen ended in the month, by reden."""
    months = [months_back(month, k) for k in range(REDEN_MONTHS)]
    sql = (f"WITH {INDICATOR_BASE_CTES} SELECT gemeentecode, month, coalesce(reden, '') AS reden, "
           "count(*) AS uitkeringen FROM uitkering WHERE is_pw AND uitstroom GROUP BY ALL")
    frame = con.execute(sql, {"months": months, "lo": min(months), "hi": max(months)}).df()
    labels = {r: code_label(REDEN_KENMERK, r) or "onbekend" for r in set(frame["reden"])}
    frame["label"] = frame["reden"].map(labels)
    return frame
