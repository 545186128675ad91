"""From CBS responses to frames: columns found by DataProperties Key, Title or code prefix, never by position.

CBS renumbers a table's columns between versions (``Code_34`` is the provincie in 2016, ``Code_28`` in 2024) and
pads keys with spaces (``'GM0363    '``): every code is stripped, every column is looked up by what it is.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from divobench_pipeline.defs.cbs.client import CbsTable

GROUP_PREFIXES = {"GM": "gemeente", "PV": "provincie", "CR": "corop", "AM": "arbeidsmarktregio"}
REQUIRED_ROLES = ("gemeente", "provincie", "corop", "arbeidsmarktregio")
TOTAAL_GESLACHT = "T001038"
TOTAAL_LEEFTIJD = "10000"


def strip(value):
    return value.strip() if isinstance(value, str) else value


def key_base(key: str) -> str:
    """``PersonenPerSoortUitkeringBijstand_94`` → ``PersonenPerSoortUitkeringBijstand``."""
    return re.sub(r"_\d+$", "", key)


def _number(key: str) -> int | None:
    found = re.search(r"_(\d+)$", key)
    return int(found.group(1)) if found else None


def topics(table: CbsTable) -> list[dict]:
    return [p for p in table.properties if p.get("Type") == "Topic"]


def measure(table: CbsTable, base: str, title_prefix: str | None = None) -> str:
    """The key of the measure whose key is ``base_<n>`` (or, failing that, whose Title starts with the prefix)."""
    for p in topics(table):
        if key_base(p["Key"]) == base:
            return p["Key"]
    if title_prefix:
        for p in topics(table):
            if p.get("Title", "").lower().startswith(title_prefix.lower()):
                return p["Key"]
    raise ValueError(f"CBS table {table.table_id} has no column {base} (DataProperties)")


def dimension_key(table: CbsTable, *kinds: str) -> str:
    """The key of the first dimension of one of these kinds (``GeoDimension``, ``GeoDetail``, ``TimeDimension``)."""
    for p in table.properties:
        if p.get("Type") in kinds:
            return p["Key"]
    raise ValueError(f"CBS table {table.table_id} has no {' or '.join(kinds)}")


def gebieden_indeling(table: CbsTable, year: int) -> pd.DataFrame:
    """Gebieden in Nederland of ``year`` as rows of ``gemeente_indeling``."""
    props = {p["ID"]: p for p in table.properties}
    by_number = {_number(p["Key"]): p for p in topics(table) if _number(p["Key"]) is not None}
    roles: dict[str, tuple[str, str | None]] = {}
    for p in topics(table):
        if key_base(p["Key"]) != "Code":
            continue
        partner = by_number.get(_number(p["Key"]) + 1)
        name_key = partner["Key"] if partner and key_base(partner["Key"]) in ("Naam", "Omschrijving") else None
        prefixes = {strip(r.get(p["Key"]))[:2] for r in table.rows if strip(r.get(p["Key"]))}
        group_title = props.get(p.get("ParentID"), {}).get("Title", "") + " " + p.get("Title", "")
        if len(prefixes) == 1 and next(iter(prefixes)) in GROUP_PREFIXES:
            role = GROUP_PREFIXES[next(iter(prefixes))]
        elif "grootte" in group_title.lower():
            role = "grootteklasse"
        elif "stedelijk" in group_title.lower():
            role = "stedelijkheid"
        else:
            continue
        roles.setdefault(role, (p["Key"], name_key))
    missing = [role for role in REQUIRED_ROLES if role not in roles]
    if missing:
        raise ValueError(f"CBS table {table.table_id} (Gebieden in Nederland {year}) has no column for "
                         f"{', '.join(missing)}")
    inwonertal = next((p["Key"] for p in topics(table)
                       if key_base(p["Key"]) == "Inwonertal" or p.get("Title") == "Inwonertal"), None)

    def pair(row: dict, role: str) -> tuple[str | None, str | None]:
        if role not in roles:
            return None, None
        code_key, name_key = roles[role]
        return strip(row.get(code_key)) or None, strip(row.get(name_key)) if name_key else None

    records = []
    for row in table.rows:
        code, name = pair(row, "gemeente")
        if not code or not code.startswith("GM"):
            continue
        stedelijk, _ = pair(row, "stedelijkheid")
        records.append({
            "jaar": year, "gemeente_code": code, "gemeente_naam": name,
            **{f"{role}_{part}": value for role in ("provincie", "corop", "arbeidsmarktregio", "grootteklasse")
               for part, value in zip(("code", "naam"), pair(row, role), strict=True)},
            "stedelijkheid": int(stedelijk) if stedelijk and stedelijk.isdigit() else None,
            "inwonertal": row.get(inwonertal) if inwonertal else None,
            "bron": f"CBS {table.table_id}, {table.bron}"})
    frame = pd.DataFrame(records)
    return frame.astype({"stedelijkheid": "Int64", "inwonertal": "Int64"})


def _gemeente_rows(table: CbsTable) -> list[dict]:
    """Data rows of gemeenten, of the totals of any Geslacht/Leeftijd dimension."""
    regio = dimension_key(table, "GeoDimension", "GeoDetail")
    keep = []
    for row in table.rows:
        if not str(strip(row.get(regio)) or "").startswith("GM"):
            continue
        if strip(row.get("Geslacht", TOTAAL_GESLACHT)) != TOTAAL_GESLACHT:
            continue
        if strip(row.get("Leeftijd", TOTAAL_LEEFTIJD)) != TOTAAL_LEEFTIJD:
            continue
        keep.append({**row, "_gemeente": strip(row[regio])})
    return keep


def bevolking(table: CbsTable) -> pd.DataFrame:
    """Inwoners on 1 January per gemeente and year (``jaar``, ``gemeente_code``, ``inwoners``)."""
    column = measure(table, "BevolkingOp1Januari", "Bevolking op 1 januari")
    periode = dimension_key(table, "TimeDimension")
    records = [{"jaar": int(strip(r[periode])[:4]), "gemeente_code": r["_gemeente"], "inwoners": r[column]}
               for r in _gemeente_rows(table) if re.fullmatch(r"\d{4}JJ00", strip(r[periode]))]
    return pd.DataFrame(records, columns=["jaar", "gemeente_code", "inwoners"]).dropna(subset=["inwoners"])


def bijstand_maand(table: CbsTable) -> pd.DataFrame:
    """Lopende algemene bijstand uitkeringen per gemeente and month (``month``, ``gemeente_code``, ``uitkeringen``)."""
    column = measure(table, "TotaalBijstandsuitkeringen", "Totaal bijstandsuitkeringen")
    periode = dimension_key(table, "TimeDimension")
    records = []
    for r in _gemeente_rows(table):
        found = re.fullmatch(r"(\d{4})MM(\d{2})", strip(r[periode]))
        if found and r[column] is not None:
            records.append({"month": dt.date(int(found.group(1)), int(found.group(2)), 1),
                            "gemeente_code": r["_gemeente"], "uitkeringen": r[column]})
    return pd.DataFrame(records, columns=["month", "gemeente_code", "uitkeringen"])


def kerncijfers(table: CbsTable) -> pd.DataFrame:
    """Per gemeente: inwoners, bevolkingsdichtheid (per km²) and land area (ha) from Kerncijfers wijken en buurten."""
    columns = {"inwoners": measure(table, "AantalInwoners"),
               "bevolkingsdichtheid": measure(table, "Bevolkingsdichtheid"),
               "oppervlakte_land_ha": measure(table, "OppervlakteLand")}
    records = [{"gemeente_code": r["_gemeente"], **{name: r.get(key) for name, key in columns.items()}}
               for r in _gemeente_rows(table)]
    return pd.DataFrame(records, columns=["gemeente_code", *columns])
