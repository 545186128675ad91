"""Vergelijkbare gemeenten: each gemeente's k nearest participating gemeenten on CBS kenmerken of the year.

Method (docs/comparisons.md): per year, take the kenmerken in ``KENMERKEN`` that at least ``MIN_COVERAGE`` of
the gemeenten have, transform the skewed ones to log10, standardize each to mean 0 and standard deviation 1
over all gemeenten of the year (a missing value counts as the mean), and rank candidates by Euclidean distance
on those z-scores. Candidates are the gemeenten of participants in participants.yaml, never the gemeente
itself nor a partner in its own samenwerkingsverband.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

K = 10
MIN_COVERAGE = 0.8
KENMERKEN: dict[str, str] = {
    "inwoners": "log10",
    "bevolkingsdichtheid": "log10",
    "stedelijkheid": "linear",
    "aandeel_huishoudens_laag_inkomen": "linear",
    "werkloosheid": "linear",
}
NEIGHBOUR_COLUMNS = ["gemeentecode", "rang", "buur_code", "afstand", "kenmerken"]


def standardized_kenmerken(kenmerk: pd.DataFrame) -> pd.DataFrame:
    """Gemeente × kenmerk z-scores from long rows (gemeentecode, kenmerk, waarde) of one year."""
    wide = kenmerk[kenmerk["kenmerk"].isin(list(KENMERKEN))].pivot_table(
        index="gemeentecode", columns="kenmerk", values="waarde", aggfunc="first")
    if wide.empty:
        return wide
    wide = wide.loc[:, wide.notna().mean() >= MIN_COVERAGE]
    for name in wide.columns:
        if KENMERKEN[name] == "log10":
            wide[name] = np.log10(wide[name].clip(lower=0) + 1)
    spread = wide.std(ddof=0)
    wide = wide.loc[:, spread > 0]
    z = (wide - wide.mean()) / wide.std(ddof=0)
    return z.fillna(0.0)[[k for k in KENMERKEN if k in z.columns]]


def nearest_neighbours(kenmerk: pd.DataFrame, candidates: Iterable[str],
                       partners: Mapping[str, Iterable[str]] | None = None, k: int = K) -> pd.DataFrame:
    """For every gemeente with kenmerken: its ``k`` nearest candidates, rank 1 first, with the distance.

    ``partners`` maps a gemeente to the gemeenten of its own samenwerkingsverband (never its neighbours).
    """
    z = standardized_kenmerken(kenmerk)
    candidates = [c for c in dict.fromkeys(candidates) if c in z.index]
    if z.empty or z.shape[1] == 0 or not candidates:
        return pd.DataFrame(columns=NEIGHBOUR_COLUMNS)
    points = z.to_numpy()
    pool = z.loc[candidates].to_numpy()
    distance = np.sqrt(((points[:, None, :] - pool[None, :, :]) ** 2).sum(axis=2))
    used = ",".join(z.columns)
    partners = partners or {}
    rows = []
    for i, code in enumerate(z.index):
        blocked = {code, *partners.get(code, ())}
        order = sorted((round(float(distance[i, j]), 9), candidates[j]) for j in range(len(candidates))
                       if candidates[j] not in blocked)
        rows += [(code, rank, buur, round(d, 6), used) for rank, (d, buur) in enumerate(order[:k], start=1)]
    return pd.DataFrame(rows, columns=NEIGHBOUR_COLUMNS)
