"""From CBS responses to frames: columns found by DataProperties Key, Title or code prefix, never by position.

CBS renumbers a table's columns between versions (``Code_34`` is the provincie in 2016, ``Code_28`` in 2024) and
pads keys with spaces (``'GM0363    '``): every code is stripped, every column is looked up by what it is.

Every dimension other than region and period (found in ``DataProperties``) is either selected explicitly by the
caller or filtered to its total; a dimension that is neither is an error naming table and dimension, and every
parsed frame is checked to hold one row per region × period (× the dimensions kept) before it is written.
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
BEVOLKING_SELECTION = {"Geslacht": TOTAAL_GESLACHT, "Leeftijd": TOTAAL_LEEFTIJD}
REGION_TYPES = ("GeoDimension", "GeoDetail")
_TOTAL_CODE = re.compile(r"T\d{6}")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def key_base(key: str) -> str:
    """``PersonenPerSoortUitkeringBijstand_94`` → ``PersonenPerSoortUitkeringBijstand``."""
    return re.sub(r"_\d+$", "", key)


def key_number(key: str) -> int | None:
    """``Code_34`` → 34 (None without a number suffix)."""
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


def other_dimensions(table: CbsTable) -> list[str]:
    """Keys of the dimensions that are neither region nor period (``Type`` ``Dimension`` in DataProperties)."""
    return [p["Key"] for p in table.properties if p.get("Type") == "Dimension"]


def dimension_total(table: CbsTable, dimension: str) -> str:
    """The code of a dimension's total: from the dimension's own entity set (a ``T001038``-style key or a title
    starting with "Totaal"), else the one ``T``-code among the data rows; ``ValueError`` when there is none."""
    categories = table.entity_sets.get(dimension) or []
    found = {strip(c["Key"]) for c in categories
             if _TOTAL_CODE.fullmatch(strip(c.get("Key", ""))) or str(c.get("Title", "")).lower().startswith("totaal")}
    if not categories:
        found = {strip(r.get(dimension)) for r in table.rows if _TOTAL_CODE.fullmatch(strip(r.get(dimension)) or "")}
    if len(found) != 1:
        what = "no total" if not found else f"several totals ({', '.join(sorted(found))})"
        raise ValueError(f"CBS table {table.table_id}: dimension {dimension} has {what} and is not selected "
                         "explicitly, so its rows cannot be collapsed")
    return found.pop()


def selected_rows(table: CbsTable, keep: dict[str, str | tuple[str, ...] | None] | None = None) -> list[dict]:
    """Data rows with every code stripped, at the total of every dimension that is not region, period or in
    ``keep`` (dimension → the code or codes to keep, ``None`` for all of them)."""
    keep = keep or {}
    wanted: dict[str, set[str] | None] = {}
    for dimension in other_dimensions(table):
        if dimension in keep:
            codes = keep[dimension]
            wanted[dimension] = None if codes is None else {codes} if isinstance(codes, str) else set(codes)
        else:
            wanted[dimension] = {dimension_total(table, dimension)}
    unknown = sorted(set(keep) - set(wanted))
    if unknown:
        raise ValueError(f"CBS table {table.table_id} has no dimension {', '.join(unknown)} (DataProperties)")
    rows = []
    for row in table.rows:
        clean = {k: strip(v) for k, v in row.items()}
        if all(codes is None or clean.get(d) in codes for d, codes in wanted.items()):
            rows.append(clean)
    return rows


def check_unique(frame: pd.DataFrame, keys: list[str], table_id: str) -> pd.DataFrame:
    """``frame`` itself, after checking it holds one row per ``keys``; else ``ValueError`` naming the table and
    the first repeated combination (a dimension CBS added that nothing collapses)."""
    repeated = frame[frame.duplicated(keys, keep=False)]
    if not repeated.empty:
        first = repeated.iloc[0]
        raise ValueError(f"CBS table {table_id} gives {len(repeated)} rows for {len(repeated.drop_duplicates(keys))} "
                         f"combinations of {' × '.join(keys)}, e.g. "
                         f"{', '.join(f'{k}={first[k]}' for k in keys)}: a dimension is not collapsed")
    return frame


def gebieden_indeling(table: CbsTable, year: int) -> pd.DataFrame:
    """Gebieden in Nederland of ``year`` as rows of ``gemeente_indeling``."""
    props = {p["ID"]: p for p in table.properties}
    by_number = {key_number(p["Key"]): p for p in topics(table) if key_number(p["Key"]) is not None}
    roles: dict[str, tuple[str, str | None]] = {}
    for p in topics(table):
        if key_base(p["Key"]) != "Code":
            continue
        partner = by_number.get(key_number(p["Key"]) + 1)
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
        code = strip(row.get(code_key)) or None
        return code, (strip(row.get(name_key)) if name_key else None) or code

    records = []
    for row in selected_rows(table):
        code, name = pair(row, "gemeente")
        if not code or not code.startswith("GM"):
            continue
        stedelijk, _ = pair(row, "stedelijkheid")
        records.append({
            "jaar": year, "gemeentecode": code, "gemeente_naam": name or code,
            **{f"{role}_{part}": value for role in ("provincie", "corop", "arbeidsmarktregio", "grootteklasse")
               for part, value in zip(("code", "naam"), pair(row, role), strict=True)},
            "stedelijkheid": int(stedelijk) if stedelijk and stedelijk.isdigit() else None,
            "inwonertal": row.get(inwonertal) if inwonertal else None,
            "bron": f"CBS {table.table_id}, {table.bron}"})
    frame = check_unique(pd.DataFrame(records), ["jaar", "gemeentecode"], table.table_id)
    return frame.astype({"stedelijkheid": "Int64", "inwonertal": "Int64"})


def _gemeente_rows(table: CbsTable, keep: dict | None = None) -> list[dict]:
    """Data rows of gemeenten (codes stripped), at the totals of every dimension not in ``keep``."""
    regio = dimension_key(table, *REGION_TYPES)
    return [{**row, "_gemeente": row[regio]} for row in selected_rows(table, keep)
            if str(row.get(regio) or "").startswith("GM")]


def bevolking(table: CbsTable) -> pd.DataFrame:
    """Inwoners on 1 January per gemeente and year (``jaar``, ``gemeentecode``, ``inwoners``)."""
    column = measure(table, "BevolkingOp1Januari", "Bevolking op 1 januari")
    periode = dimension_key(table, "TimeDimension")
    records = [{"jaar": int(r[periode][:4]), "gemeentecode": r["_gemeente"], "inwoners": r[column]}
               for r in _gemeente_rows(table, BEVOLKING_SELECTION) if re.fullmatch(r"\d{4}JJ00", r[periode])]
    frame = pd.DataFrame(records, columns=["jaar", "gemeentecode", "inwoners"]).dropna(subset=["inwoners"])
    return check_unique(frame, ["jaar", "gemeentecode"], table.table_id)


def bijstand_maand(table: CbsTable) -> pd.DataFrame:
    """Lopende algemene bijstand uitkeringen per gemeente and month (``month``, ``gemeentecode``, ``uitkeringen``)."""
    column = measure(table, "TotaalBijstandsuitkeringen", "Totaal bijstandsuitkeringen")
    periode = dimension_key(table, "TimeDimension")
    records = []
    for r in _gemeente_rows(table):
        found = re.fullmatch(r"(\d{4})MM(\d{2})", r[periode])
        if found and r[column] is not None:
            records.append({"month": dt.date(int(found.group(1)), int(found.group(2)), 1),
                            "gemeentecode": r["_gemeente"], "uitkeringen": r[column]})
    frame = pd.DataFrame(records, columns=["month", "gemeentecode", "uitkeringen"])
    return check_unique(frame, ["month", "gemeentecode"], table.table_id)


def kerncijfers(table: CbsTable) -> pd.DataFrame:
    """Per gemeente: inwoners, bevolkingsdichtheid (per km²) and land area (ha) from Kerncijfers wijken en buurten."""
    columns = {"inwoners": measure(table, "AantalInwoners"),
               "bevolkingsdichtheid": measure(table, "Bevolkingsdichtheid"),
               "oppervlakte_land_ha": measure(table, "OppervlakteLand")}
    records = [{"gemeentecode": r["_gemeente"], **{name: r.get(key) for name, key in columns.items()}}
               for r in _gemeente_rows(table)]
    return check_unique(pd.DataFrame(records, columns=["gemeentecode", *columns]), ["gemeentecode"], table.table_id)
