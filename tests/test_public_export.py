"""The public export on a constructed dataset: no single gemeente's figure can be derived from it."""

from __future__ import annotations

import csv
import io
import itertools

import numpy as np
from test_comparisons import MEMBERS, UNIT_COUNTS, cli, dataset  # noqa: F401 - the dataset fixture

from divobench_pipeline.defs.wi_indicators.registry import INDICATORS

COUNT_FIELD = {"wi.bestand.pw": "bestand", "wi.uitstroom.pw": "uitstroom", "wi.uitstroom_werk.pw": "werk"}


def public(home) -> list[dict]:
    done = cli(home, "export", "public", "--month", "2024-06")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0]) == ["indicator", "month", "group_type", "group_code", "group_value", "group_n", "status"]
    return rows


def members_of(row: dict) -> set[str]:
    if row["group_type"] in ("gemeente", "participant"):
        return {"GM0011", "GM0012"} if row["group_code"] == "SV-PER" else {row["group_code"]}
    return MEMBERS[(row["group_type"], row["group_code"])]


def test_small_groups_small_counts_and_one_gemeente_differences_are_suppressed(dataset):  # noqa: F811
    rows = public(dataset)
    by = {(r["indicator"], r["group_type"], r["group_code"]): r for r in rows}
    assert {r["group_type"] for r in rows} == {"landelijk", "provincie", "grootteklasse", "arbeidsmarktregio",
                                               "gemeente", "participant"}
    assert by[("wi.bestand.pw", "landelijk", "NL")]["group_value"] == "463"
    # PV01 and PV02 split landelijk, each with at least 5 gemeenten without consent: all three are published
    assert [by[("wi.bestand.pw", "provincie", c)]["group_value"] for c in ("PV01", "PV02")] == ["189", "274"]
    # AM01 differs from PV02 by GM0001 and GM0012 (published with consent) and 3 other gemeenten
    assert by[("wi.bestand.pw", "arbeidsmarktregio", "AM01")]["status"] == "suppressed"
    # fewer than 5 gemeenten
    assert by[("wi.bestand.pw", "grootteklasse", "5")]["status"] == "suppressed"
    # grootteklasse 3 is landelijk minus GM0006: publishing both would give away GM0006
    for indicator in (i.code for i in INDICATORS if (i.code, "grootteklasse", "3") in by):
        assert by[(indicator, "grootteklasse", "3")]["status"] == "suppressed"
        assert by[(indicator, "grootteklasse", "3")]["group_value"] == ""
    # a count of 1 to 4: AM01 has 2 uitstromers to werk
    assert by[("wi.uitstroom_werk.pw", "arbeidsmarktregio", "AM01")]["status"] == "suppressed"
    # named rows only with consent (GM0001, SV-PER and its gemeenten), under the same count rule
    named = {(r["group_type"], r["group_code"]) for r in rows if r["group_type"] in ("gemeente", "participant")}
    assert named == {("gemeente", "GM0001"), ("participant", "SV-PER"), ("gemeente", "GM0011"),
                     ("gemeente", "GM0012")}
    assert by[("wi.bestand.pw", "gemeente", "GM0001")]["group_value"] == "10"
    assert by[("wi.uitstroom_werk.pw", "gemeente", "GM0001")]["status"] == "suppressed"  # 1 uitstromer


def test_no_gemeente_figure_can_be_derived_from_what_is_published(dataset):  # noqa: F811
    rows = public(dataset)
    for indicator in {r["indicator"] for r in rows}:
        published = [r for r in rows if r["indicator"] == indicator and r["status"] == "ok"]
        field = COUNT_FIELD.get(indicator)
        for r in published:
            assert r["group_type"] in ("gemeente", "participant") or int(r["group_n"]) >= 5, r
            if field:
                assert not 1 <= float(r["group_value"]) <= 4, r
        named = {next(iter(members_of(r))) for r in published if r["group_type"] == "gemeente"}
        hidden = sorted(set(UNIT_COUNTS) - named)
        for a, b in itertools.combinations(published, 2):
            difference = (members_of(a) ^ members_of(b)) - named
            assert not 1 <= len(difference) <= 4, (indicator, a["group_code"], b["group_code"], difference)
        units = sorted(UNIT_COUNTS)
        matrix = np.array([[1.0 if u in members_of(r) else 0.0 for u in units] for r in published])
        for unit in hidden:
            target = np.array([1.0 if u == unit else 0.0 for u in units])
            weights, *_ = np.linalg.lstsq(matrix.T, target, rcond=None)
            assert np.linalg.norm(matrix.T @ weights - target) > 1e-6, (indicator, unit)
