"""Seeded generator of realistic synthetic monthly BUS-XML uploads (shared/spec/bus-xml.md).

Every gemeente is simulated month by month from ``months[0]`` on, with its own random stream, so that the
file of month M+1 continues the file of month M: the bestand algemene bijstand (Statistiekcode 01) starts at
about 1.6–3.4% of the inwoners as persons (more in large cities, about 400,000 persons nationally at scale 1)
with a long-tailed duration, and each month about 2% of it ends (reden beëindiging per kenmerk 34) and about 2%
flows in. IOAW, IOAZ, Bbz and periodieke and eenmalige bijzondere bijstand run alongside. Files are written by
string building, one file per participant and month with one Levering per gemeente.

Synthetic BSNs come from the 999 test range, which holds only 90,909 numbers passing the 11-proef: a BSN is
unique within a gemeente over the whole simulation, and across gemeenten as long as the run fits the range
(a handful of demo gemeenten does; a national month does not, so there gemeenten share numbers).

The parts: :mod:`simulation` (one gemeente month by month) over :mod:`records`, :mod:`parameters` (calendar,
domain parameters, random draws) and :mod:`bsns`; :mod:`bus_xml` writes the XML and the signaleringen.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from divobench_pipeline.demo.bsns import BsnSource, valid_test_bsns
from divobench_pipeline.demo.bus_xml import (
    LEV_C,
    LEV_O,
    LEVERING_F,
    SIGNALERINGEN,
    apply_signalering,
    render_month,
    xml_fields,
)
from divobench_pipeline.demo.parameters import (
    ISO_PAKKETTEN,
    PAKKETTEN,
    REGISTRATIENUMMER,
    VERSIE,
    bestand_rate,
    month_index,
    month_info,
    poisson,
    weighted,
)
from divobench_pipeline.demo.simulation import Gemeente

__all__ = ["GeneratedUpload", "UploadSpec", "generate_uploads", "load_inwoners"]


@dataclass(frozen=True)
class UploadSpec:
    """One file to write per month: a participant and the gemeenten (GM codes) it delivers, one Levering each."""

    participant_id: str
    gemeenten: tuple[str, ...]


@dataclass(frozen=True)
class GeneratedUpload:
    """A written upload: ``month`` is the first day of the statistiekmaand; counts are Uitkering/Persoon records."""

    participant_id: str
    month: date
    path: Path
    n_uitkeringen: int
    n_personen: int


def load_inwoners() -> dict[str, int]:
    """CBS inwoners per gemeente on 1 January 2024, keyed by GM code (342 gemeenten)."""
    text = resources.files("divobench_pipeline.demo").joinpath("inwoners_2024.csv").read_text(encoding="utf-8")
    return {row["gemeentecode"]: int(row["inwoners_2024"]) for row in csv.DictReader(text.splitlines())}



def _gm(code: str) -> str:
    code = code.strip().upper()
    return code if code.startswith("GM") else f"GM{int(code):04d}"


def _expected_persons(inwoners: int, scale: float) -> int:
    """A generous estimate of the persons a gemeente draws over three years, to space BSN ranges apart."""
    return int(scale * bestand_rate(inwoners) * 1.15 * inwoners * 2.2) + 50


def generate_uploads(out_dir: Path, uploads: Sequence[UploadSpec], months: Sequence[date], *, seed: int = 2026,
                     inwoners: Mapping[str, int] | None = None, scale: float = 1.0,
                     signaleringen: bool = True) -> list[GeneratedUpload]:
    """Write one BUS-XML file per participant and month under ``out_dir/<participant_id>/``.

    The simulation starts from a bestand lopend at the end of the month before ``months[0]`` and runs through
    every month up to the last one requested; only the requested months are written. Same arguments, same bytes.
    With ``signaleringen`` a few records per file carry a wrong value (about 1 in 2,000 uitkeringen, and at least
    one per participant every three months); the underlying simulation is the same with or without them.
    """
    if not uploads or not months:
        return []
    wanted = sorted({d.replace(day=1) for d in months})
    inwoners = {_gm(code): n for code, n in (load_inwoners() if inwoners is None else inwoners).items()}
    specs = [(spec.participant_id, [_gm(g) for g in spec.gemeenten]) for spec in uploads]
    all_gm = [gm for _, gms in specs for gm in gms]
    if len(set(all_gm)) != len(all_gm):
        raise ValueError("a gemeente appears in more than one upload (or twice in one)")
    if len({pid for pid, _ in specs}) != len(specs):
        raise ValueError("a participant appears twice among the uploads")
    missing = [gm for gm in all_gm if gm not in inwoners]
    if missing:
        raise ValueError(f"no inwoners known for {', '.join(missing)}")

    pool = list(valid_test_bsns())
    random.Random(f"divobench/{seed}/bsn").shuffle(pool)
    m0, m_last = month_index(wanted[0]), month_index(wanted[-1])
    gemeenten: dict[str, Gemeente] = {}
    offset = 0
    for gm in sorted(all_gm):
        source = BsnSource(pool, offset % len(pool), gm)
        offset += _expected_persons(inwoners[gm], scale)
        gemeenten[gm] = Gemeente(gm, inwoners[gm], scale, seed, source, m0)

    pakketten = {pid: weighted(random.Random(f"divobench/{seed}/pakket/{pid}"), PAKKETTEN) for pid, _ in specs}
    quiet_months = {pid: 0 for pid, _ in specs}
    wanted_mi = {month_index(d) for d in wanted}
    result = []
    for mi in range(m0, m_last + 1):
        for g in gemeenten.values():
            g.step(mi)
        if mi not in wanted_mi:
            continue
        month = date(mi // 12, mi % 12 + 1, 1)
        for pid, gms in specs:
            sig_rng = random.Random(f"divobench/{seed}/signalering/{pid}/{mi}") if signaleringen else None
            path = Path(out_dir) / pid / f"bus_{pid}_{month:%Y-%m}.xml"
            n_u, n_p, had = _write_file(path, mi, pakketten[pid], [gemeenten[gm] for gm in gms], sig_rng,
                                        force=signaleringen and quiet_months[pid] >= 2)
            quiet_months[pid] = 0 if had else quiet_months[pid] + 1
            result.append(GeneratedUpload(pid, month, path, n_u, n_p))
    return result


def _write_file(path: Path, mi: int, pakket: str, gemeenten: Sequence[Gemeente], sig_rng: random.Random | None,
                *, force: bool) -> tuple[int, int, bool]:
    """Write one participant's month; returns (uitkeringen, personen, whether a signalering was planted)."""
    rendered = [render_month(g.active, mi, REGISTRATIENUMMER[pakket]) for g in gemeenten]
    planted: dict[tuple[int, int], str] = {}
    if sig_rng is not None:
        flat = [(gi, ui) for gi, records in enumerate(rendered) for ui in range(len(records))]
        ended = [(gi, ui) for gi, ui in flat if rendered[gi][ui][0].einde is not None
                 and rendered[gi][ui][0].code != "12"]
        n = poisson(sig_rng, len(flat) / 2000)
        if force:
            n = max(n, 1)
        for _ in range(min(n * 20, 200)):
            if len(planted) >= n:
                break
            kind = SIGNALERINGEN[int(sig_rng.random() * len(SIGNALERINGEN))]
            candidates = ended if kind in ("reden", "einde") and ended else flat
            gi, ui = candidates[int(sig_rng.random() * len(candidates))]
            u, xml, _ = rendered[gi][ui]
            changed = apply_signalering(sig_rng, u, xml, kind)
            if changed is not None and (gi, ui) not in planted and changed != xml:
                planted[(gi, ui)] = changed

    encoding = "ISO-8859-1" if pakket in ISO_PAKKETTEN else "UTF-8"
    ym = month_info(mi)[0]
    berichtgever = gemeenten[0].code
    n_u = n_p = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="\n") as f:
        f.write(f'<?xml version="1.0" encoding="{encoding}"?>\n<BUS versie="2015">\n')
        for gi, (g, records) in enumerate(zip(gemeenten, rendered, strict=True)):
            chunk = [LEV_O, xml_fields(LEVERING_F, {1: ym[:4], 2: ym[4:], 3: berichtgever, 4: g.code,
                                                   5: pakket, 6: VERSIE[pakket]})]
            for ui, (_, xml, n_persons) in enumerate(records):
                chunk.append(planted.get((gi, ui), xml))
                n_p += n_persons
                if len(chunk) >= 4096:
                    f.write("".join(chunk))
                    chunk.clear()
            n_u += len(records)
            chunk.append(LEV_C)
            f.write("".join(chunk))
        f.write("</BUS>\n")
    return n_u, n_p, bool(planted)
