"""Plausibility of uploads against CBS: our bestand algemene bijstand vs CBS's own count for the same month.

CBS (82015NED) counts lopende algemene bijstand uitkeringen (huishoudens) on the last day of the month per
gemeente that verstrekt the bijstand, from the same BUS deliveries but after its own checks, and without
uitkeringen to people in instellingen, elders verzorgden and dak- en thuislozen. So ``wi.bestand.pw`` is expected
to be close to CBS's figure, a little above it. An upload that lacks part of its uitkeringen shows up as a bestand
well below CBS's: the first sign of an incomplete upload. Tolerance (docs/cbs.md): a gemeente-month is flagged
when |bestand − CBS| > max(10 uitkeringen, 10 % of CBS).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd

TOLERANCE_SHARE = 0.10
TOLERANCE_MIN = 10
BESTAND = "wi.bestand.pw"


def compare_with_cbs(con: duckdb.DuckDBPyConnection, months: Sequence[dt.date],
                     participants: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Per gemeente-month with both figures: participant, bestand, CBS, verschil, relative difference, afwijkend."""
    frame = con.execute(f"""
        SELECT strftime(v.month, '%Y-%m') AS maand, v.unit AS gemeente, v.numerator::BIGINT AS bestand,
               c.uitkeringen::BIGINT AS cbs
        FROM indicator_value v JOIN cbs_bijstand_maand c ON c.month = v.month AND c.gemeentecode = v.unit
        WHERE v.indicator = '{BESTAND}' AND v.level = 'gemeente' AND v.month IN (SELECT unnest(?::DATE[]))
        ORDER BY v.month, v.unit""", [list(months)]).df()
    owner = {g: pid for pid, gemeenten in participants.items() for g in gemeenten}
    frame.insert(1, "participant", frame["gemeente"].map(owner).fillna(""))
    frame["verschil"] = frame["bestand"] - frame["cbs"]
    frame["relatief"] = (frame["verschil"] / frame["cbs"].where(frame["cbs"] > 0)).round(3)
    allowed = (frame["cbs"] * TOLERANCE_SHARE).clip(lower=TOLERANCE_MIN)
    frame["afwijkend"] = frame["verschil"].abs() > allowed
    return frame


def without_cbs_figure(con: duckdb.DuckDBPyConnection, months: Sequence[dt.date]) -> int:
    """How many gemeente-months with a bestand have no CBS figure (not yet published, or not in the extract)."""
    return con.execute(f"""
        SELECT count(*) FROM indicator_value v ANTI JOIN cbs_bijstand_maand c
          ON c.month = v.month AND c.gemeentecode = v.unit
        WHERE v.indicator = '{BESTAND}' AND v.level = 'gemeente' AND v.month IN (SELECT unnest(?::DATE[]))""",
                       [list(months)]).fetchone()[0]
