"""A small warehouse for the report tests, built with the comparison fixtures: two months (May and June 2024) of
staged uitkeringen with known counts, CBS groups and kenmerken, indicators, group values and aanleverstatus.

Participants: eight gemeenten GM0001..GM0008 (GM0001 names the selection ``buren`` = GM0002 and SV-WHOLE),
SV-PER (reporting option 2: GM0011, GM0012) and SV-WHOLE (option 3: GM0021, GM0022). In June, GM0006 has no
uitstroom (aandeel uitstroom naar werk: "geen uitstroom") and GM0004 one uitstromer ("te weinig waarnemingen").
"""

from __future__ import annotations

import datetime as dt

from comparison_fixtures import Counts, cbs_groups, run_job, stage

from divobench_pipeline.core.participants import write_registry

MAY, JUNE = dt.date(2024, 5, 1), dt.date(2024, 6, 1)
GEMEENTEN = [f"GM000{k}" for k in range(1, 9)]
PARTICIPANTS = [
    *({"id": g, "name": f"Gemeente {g[-1]}", "gemeenten": [g], "modules": ["wi_basis", "statushouders"]}
      for g in GEMEENTEN),
    {"id": "SV-PER", "name": "ISD Per", "gemeenten": ["GM0011", "GM0012"], "reporting": 2},
    {"id": "SV-WHOLE", "name": "ISD Geheel", "gemeenten": ["GM0021", "GM0022"], "reporting": 3},
]
PARTICIPANTS[0]["references"] = {"buren": ["GM0002", "SV-WHOLE"]}
OWNER = {g: p["id"] for p in PARTICIPANTS for g in p["gemeenten"]}
JUNE_COUNTS = {"GM0001": Counts(10, 8, 3), "GM0002": Counts(20, 5, 2), "GM0003": Counts(30, 6, 3),
               "GM0004": Counts(40, 1, 0), "GM0005": Counts(50, 10, 5), "GM0006": Counts(60, 0, 0),
               "GM0007": Counts(35, 12, 11), "GM0008": Counts(45, 20, 2), "GM0011": Counts(15, 3, 1),
               "GM0012": Counts(25, 5, 5), "GM0021": Counts(5, 2, 1), "GM0022": Counts(7, 1, 1)}
MAY_COUNTS = {g: Counts(c.bestand + 2, c.uitstroom, c.werk) for g, c in JUNE_COUNTS.items()}
PROVINCIE = {g: "PV01" if g in ("GM0001", "GM0002", "GM0003", "GM0011", "GM0021") else "PV02" for g in JUNE_COUNTS}
STEDELIJKHEID = {g: 1 + k % 5 for k, g in enumerate(JUNE_COUNTS)}


def build(home) -> None:
    """Registry, staged data, CBS rows, then indicators, group values and aanleverstatus for both months."""
    write_registry(home.participants_file, PARTICIPANTS)
    stage(home, {**{(MAY, g): c for g, c in MAY_COUNTS.items()}, **{(JUNE, g): c for g, c in JUNE_COUNTS.items()}},
          OWNER)
    cbs_groups(home, 2024, {"provincie": PROVINCIE, "grootteklasse": dict.fromkeys(JUNE_COUNTS, "3"),
                            "arbeidsmarktregio": dict.fromkeys(JUNE_COUNTS, "AM01")},
               {g: {"stedelijkheid": s, "inwoners": 10_000 + 1_000 * k}
                for k, (g, s) in enumerate(STEDELIJKHEID.items())})
    run_job(home, "indicator_job", MAY, JUNE)
