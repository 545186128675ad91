"""`divobench serve` with CBS online (a local stand-in for CBS's feed): when CBS publishes a new version of a table,
the daemon's version check refreshes the CBS assets and the pipeline sensor recomputes exactly the months whose
inputs changed, without anyone running `refresh`."""

from __future__ import annotations

import datetime as dt

import pytest
from cbs_server import CbsServer
from processes import serving, wait_for
from test_serve import drop, read

from divobench_pipeline.core.participants import write_registry
from divobench_pipeline.core.settings import CBS_CATALOG_ENV, CBS_CHECK_SECONDS_ENV, CBS_HTTPS_ENV, CBS_MODE_ENV
from divobench_pipeline.demo.generator import UploadSpec, generate_uploads

DECEMBER, JANUARY = dt.date(2025, 12, 1), dt.date(2026, 1, 1)
TIMEOUT = 240


class RevisedCbs(CbsServer):
    """The recorded feed, and after ``revise()`` a new version of 03759ned with Amsterdam's 2026 inwoners doubled."""

    revised = False

    def revise(self) -> None:
        self.modified["03759ned"] = "2026-12-01T02:00:00"
        self.revised = True

    def answer(self, path, query):
        status, body = super().answer(path, query)
        if self.revised and path.rstrip("/").endswith("03759ned/TypedDataSet"):
            body["value"] = [{**row, "BevolkingOp1Januari_1": row["BevolkingOp1Januari_1"] * 2}
                             if row["RegioS"].strip() == "GM0363" and row["Perioden"] == "2026JJ00" else row
                             for row in body["value"]]
        return status, body


def dichtheid(warehouse) -> dict[dt.date, tuple[float, object]] | None:
    """month → (bijstandsdichtheid of Amsterdam, when the month was computed)."""
    rows = read(warehouse, "SELECT v.month, v.value, s.computed_at FROM indicator_value v JOIN indicator_month_state s "
                           "USING (month) WHERE v.indicator = 'wi.bijstandsdichtheid.pw' AND v.level = 'participant'")
    return {month: (value, at) for month, value, at in rows} if rows else None


@pytest.mark.slow
def test_a_new_cbs_table_version_recomputes_the_months_it_touches_under_the_daemon(tmp_path):
    root = tmp_path / "home"
    root.mkdir()
    write_registry(root / "participants.yaml", [{"id": "GM0363", "name": "Amsterdam", "gemeenten": ["GM0363"]}])
    uploads = generate_uploads(tmp_path / "generated", [UploadSpec("GM0363", ("GM0363",))], [DECEMBER, JANUARY],
                               scale=0.005)
    warehouse = root / "warehouse.duckdb"
    with RevisedCbs() as cbs:
        env = {CBS_MODE_ENV: "online", CBS_CATALOG_ENV: cbs.catalog_url, CBS_HTTPS_ENV: "0",
               CBS_CHECK_SECONDS_ENV: "10"}
        with serving(root, tmp_path / "serve.log", env=env):
            for upload in uploads:
                drop(root, "GM0363", upload.path)
            before = wait_for(lambda: (found := dichtheid(warehouse)) and len(found) == 2 and found, TIMEOUT,
                              "bijstandsdichtheid of both months")
            assert cbs.paths("03759ned"), "the CBS job did not download from the local feed"

            cbs.revise()
            after = wait_for(lambda: (found := dichtheid(warehouse)) and found[JANUARY][1] != before[JANUARY][1]
                             and found, TIMEOUT, "the new CBS version to recompute January 2026")
    assert after[JANUARY][0] == pytest.approx(before[JANUARY][0] / 2)
    assert after[DECEMBER] == before[DECEMBER], "December 2025 rests on 2025 inwoners and must not be recomputed"
