"""Build the shipped CBS extracts under ``divobench_pipeline/cbs/extracts/`` (a developer tool, run once).

Reads the real CBS data in ``../shared/data`` (85984NED, the CBS-derived regional classification) and writes
every table in the exact OData3 response shape of ``opendata.cbs.nl/ODataFeed``: one JSON file per entity set
(``{"odata.metadata": ..., "value": [...]}``) plus ``index.json``, the table's list of entity sets. What is real
and what is constructed is written in ``divobench_pipeline/cbs/extracts/README.md``.

    .venv/bin/python tools/build_cbs_extracts.py ../shared/data
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import sys
import tempfile
from pathlib import Path

from lxml import etree

from divobench_pipeline.demo.generator import UploadSpec, generate_uploads
from divobench_pipeline.demo.setup import DEMO_PARTICIPANTS

OUT = Path(__file__).resolve().parents[1] / "divobench_pipeline" / "defs" / "cbs" / "extracts"
FEED = "https://opendata.cbs.nl/ODataFeed/odata"
GEBIEDEN = {2015: "82949NED", 2016: "83287NED", 2017: "83553NED",
            2020: "84721NED", 2021: "84929NED", 2024: "85755NED", 2025: "86059NED", 2026: "86247NED"}
GEBIEDEN_MODIFIED = {2015: "2015-07-03T02:00:00", 2016: "2016-06-30T02:00:00", 2017: "2017-07-03T02:00:00",
                     2020: "2020-07-03T02:00:00", 2021: "2021-07-02T02:00:00", 2024: "2024-09-19T02:00:00",
                     2025: "2025-09-18T02:00:00", 2026: "2026-07-01T02:00:00"}
HERINDELING_CASES = ["GM0003", "GM0010", "GM0024", "GM1979", "GM0788", "GM0757", "GM0824", "GM0855", "GM0865"]
# Constructed 2020 inwoners of the gemeenten in the herindeling cases (order of magnitude as published by CBS).
INWONERS_2020 = {"GM0003": 11_801, "GM0010": 24_864, "GM0024": 9_702, "GM0788": 14_101, "GM0757": 30_672,
                 "GM0824": 26_317, "GM0855": 219_800, "GM0865": 26_418}
HAAREN_WEIGHTS = {"GM0824": 0.42, "GM0865": 0.33, "GM0757": 0.21, "GM0855": 0.04}
GROOTTE = [(5_000, "1", "minder dan 5 000 inwoners"), (10_000, "2", "5 000 tot 10 000 inwoners"),
           (20_000, "3", "10 000 tot 20 000 inwoners"), (50_000, "4", "20 000 tot 50 000 inwoners"),
           (100_000, "5", "50 000 tot 100 000 inwoners"), (150_000, "6", "100 000 tot 150 000 inwoners"),
           (250_000, "7", "150 000 tot 250 000 inwoners"), (10**9, "8", "250 000 inwoners of meer")]
STEDELIJK = ["zeer sterk stedelijk", "sterk stedelijk", "matig stedelijk", "weinig stedelijk", "niet stedelijk"]


def pad(code: str) -> str:
    return code.ljust(10)


def envelope(table: str, name: str, value: list) -> dict:
    return {"odata.metadata": f"{FEED}/{table}/$metadata#Cbs.OData.WebAPI.{name}", "value": value}


def write_table(table: str, entity_sets: dict[str, list]) -> None:
    folder = OUT / table
    folder.mkdir(parents=True, exist_ok=True)
    names = list(entity_sets)
    if "TypedDataSet" in names:
        names.insert(names.index("TypedDataSet"), "UntypedDataSet")
    index = {"odata.metadata": f"{FEED}/{table}/$metadata",
             "value": [{"name": n, "url": f"{FEED}/{table}/{n}"} for n in names]}
    (folder / "index.json").write_text(json.dumps(index, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for name, value in entity_sets.items():
        (folder / f"{name}.json").write_text(json.dumps(envelope(table, name, value), ensure_ascii=False, indent=1)
                                             + "\n", encoding="utf-8")


def table_infos(table: str, title: str, modified: str, period: str, frequency: str, summary: str) -> list:
    return [{"ID": 0, "Title": title, "ShortTitle": title, "Identifier": table, "Summary": summary,
             "Modified": modified, "ReasonDelivery": "Actualisering", "ExplanatoryText": "", "Language": "nl",
             "Catalog": "CBS", "Frequency": frequency, "Period": period, "ShortDescription": summary,
             "Description": "Constructed by divobench in CBS's response shape; see extracts/README.md.",
             "DefaultPresentation": "", "DefaultSelection": "", "GraphTypes": "Table", "OutputStatus": "Regulier",
             "Source": "CBS.", "MetaDataModified": modified, "SearchPriority": "2"}]


def topic(pid: int, position: int, parent: int | None, key: str, title: str, datatype: str = "String",
          unit: str = "") -> dict:
    return {"odata.type": "Cbs.OData.Topic", "ID": pid, "Position": position, "ParentID": parent, "Type": "Topic",
            "Key": key, "Title": title, "Description": "", "Datatype": datatype, "Unit": unit, "Decimals": 0,
            "Default": "Impossible" if datatype == "String" else "Missing"}


def group(pid: int, title: str) -> dict:
    return {"odata.type": "Cbs.OData.TopicGroup", "ID": pid, "Position": None, "ParentID": None,
            "Type": "TopicGroup", "Key": "", "Title": title, "Description": ""}


def dimension(pid: int, position: int, key: str, title: str, kind: str = "Dimension") -> dict:
    return {"odata.type": f"Cbs.OData.{kind}", "ID": pid, "Position": position, "ParentID": None, "Type": kind,
            "Key": key, "Title": title, "Description": ""}


def growth(code: str) -> float:
    h = int(hashlib.sha256(code.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return -0.002 + 0.012 * h


def grootte(inwoners: int) -> tuple[str, str]:
    return next((code, name) for limit, code, name in GROOTTE if inwoners < limit)


def stedelijkheid(dichtheid: float) -> int:
    return next(k for k, limit in enumerate((2500, 1500, 800, 350, -1), start=1) if dichtheid >= limit)


# Gebieden in Nederland: two layouts, as CBS's own column numbering changed between years (domain-notes §2.2).
LAYOUT_OLD = [("gemeente", "Code_1", "Naam_2"), ("arbeidsmarktregio", "Code_4", "Naam_5"),
              ("corop", "Code_8", "Naam_9"), ("provincie", "Code_34", "Naam_35"),
              ("grootte", "Code_48", "Omschrijving_49"), ("stedelijkheid", "Code_50", "Omschrijving_51"),
              ("inwonertal", "Inwonertal_52", None)]
LAYOUT_NEW = [("gemeente", "Code_1", "Naam_2"), ("corop", "Code_10", "Naam_11"), ("ggd", "Code_16", "Naam_17"),
              ("provincie", "Code_28", "Naam_29"), ("arbeidsmarktregio", "Code_40", "Naam_41"),
              ("grootte", "Code_48", "Omschrijving_49"), ("stedelijkheid", "Code_50", "Omschrijving_51"),
              ("inwonertal", "Inwonertal_54", None)]
GROUP_TITLES = {"gemeente": "Gemeenten", "arbeidsmarktregio": "Arbeidsmarktregio's", "corop": "COROP-gebieden",
                "ggd": "GGD-regio's", "provincie": "Provincies", "grootte": "Gemeentegrootte",
                "stedelijkheid": "Stedelijkheid", "inwonertal": "Inwonertal"}


def build_gebieden(year: int, gemeenten: list[dict], inwoners: dict[str, int], dichtheid: dict[str, float]) -> None:
    table = GEBIEDEN[year]
    layout = LAYOUT_OLD if year < 2023 else LAYOUT_NEW
    props = [dimension(0, 0, "RegioS", "Regio's", "GeoDimension")]
    for k, (part, code_key, name_key) in enumerate(layout):
        gid = 10 * (k + 1)
        props.append(group(gid, GROUP_TITLES[part]))
        if name_key is None:
            props.append(topic(gid + 1, len(props), gid, code_key, "Inwonertal", "Long", "aantal"))
        else:
            props.append(topic(gid + 1, len(props), gid, code_key, "Code"))
            props.append(topic(gid + 2, len(props), gid, name_key, "Naam" if name_key.startswith("Naam")
                               else "Omschrijving"))
    rows, regios = [], []
    for i, g in enumerate(sorted(gemeenten, key=lambda r: r["code"])):
        n = inwoners[g["code"]]
        klasse, klasse_naam = grootte(n)
        sted = stedelijkheid(dichtheid.get(g["code"], 200.0))
        values = {"gemeente": (g["code"], g["name"]), "arbeidsmarktregio": (g["region_code"], g["region"]),
                  "corop": (g["corop_code"], g["corop"]), "provincie": (g["province_code"], g["province"]),
                  "ggd": ("GG" + g["province_code"][2:], "GGD " + g["province"]),
                  "grootte": (klasse, klasse_naam), "stedelijkheid": (str(sted), STEDELIJK[sted - 1])}
        row = {"ID": i, "RegioS": pad(g["code"])}
        for part, code_key, name_key in layout:
            if name_key is None:
                row[code_key] = n
            else:
                code, name = values[part]
                row[code_key] = pad(code) if part not in ("grootte", "stedelijkheid") else code
                row[name_key] = name
        rows.append(row)
        regios.append({"Key": pad(g["code"]), "Title": g["name"], "Description": "", "DetailRegionCode": ""})
    write_table(table, {
        "TableInfos": table_infos(table, f"Gebieden in Nederland {year}", GEBIEDEN_MODIFIED[year], str(year),
                                  "Jaarlijks",
                                  f"Regionale indelingen van de gemeenten in Nederland op 1 januari {year}."),
        "TypedDataSet": rows, "DataProperties": props, "CategoryGroups": [], "RegioS": regios})


def build_bevolking(gemeenten: dict[str, str], inwoners: dict[int, dict[str, int]]) -> None:
    table = "03759ned"
    props = [dimension(0, 0, "Geslacht", "Geslacht"), dimension(1, 1, "Leeftijd", "Leeftijd"),
             dimension(2, 2, "BurgerlijkeStaat", "Burgerlijke staat"),
             dimension(3, 3, "RegioS", "Regio's", "GeoDimension"), dimension(4, 4, "Perioden", "Perioden",
                                                                            "TimeDimension"),
             topic(5, 5, None, "BevolkingOp1Januari_1", "Bevolking op 1 januari", "Long", "aantal"),
             topic(6, 6, None, "GemiddeldeBevolking_2", "Gemiddelde bevolking", "Long", "aantal")]
    rows = []
    for year in sorted(inwoners):
        for code in sorted(inwoners[year]):
            n = inwoners[year][code]
            rows.append({"ID": len(rows), "Geslacht": "T001038", "Leeftijd": "10000",
                         "BurgerlijkeStaat": "T001019", "RegioS": pad(code),
                         "Perioden": f"{year}JJ00", "BevolkingOp1Januari_1": n,
                         "GemiddeldeBevolking_2": round(n * (1 + growth(code) / 2)) if year < 2026 else None})
    write_table(table, {
        "TableInfos": table_infos(table, "Bevolking op 1 januari en gemiddeld; geslacht, leeftijd en regio",
                                  "2026-06-30T02:00:00", "1988-2026", "Jaarlijks",
                                  "Bevolking op 1 januari en gemiddelde bevolking naar geslacht, leeftijd en regio."),
        "TypedDataSet": rows, "DataProperties": props, "CategoryGroups": [],
        "Geslacht": [{"Key": "T001038", "Title": "Totaal mannen en vrouwen", "Description": "",
                      "CategoryGroupID": None}],
        "Leeftijd": [{"Key": "10000", "Title": "Totaal", "Description": "", "CategoryGroupID": None}],
        "BurgerlijkeStaat": [{"Key": "T001019", "Title": "Totaal burgerlijke staat", "Description": "",
                              "CategoryGroupID": None}],
        "RegioS": [{"Key": pad(c), "Title": gemeenten[c], "Description": "", "DetailRegionCode": ""}
                   for c in sorted({c for y in inwoners.values() for c in y})],
        "Perioden": [{"Key": f"{y}JJ00", "Title": str(y), "Description": "", "Status": "Definitief"}
                     for y in sorted(inwoners)]})


def demo_bestand(months: list[dt.date]) -> dict[tuple[str, dt.date], int]:
    """Lopende algemene bijstand uitkeringen per demo gemeente and month, as the demo generator produces them."""
    specs = [UploadSpec(p["id"], tuple(p["gemeenten"])) for p in DEMO_PARTICIPANTS]
    counts = {}
    with tempfile.TemporaryDirectory() as scratch:
        for upload in generate_uploads(Path(scratch), specs, months, seed=2026):
            end = (upload.month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
            peil = end.strftime("%Y%m%d")
            for levering in etree.parse(str(upload.path)).getroot().iter("Levering"):
                gm = "GM" + levering.findtext("Gemeentecode")
                n = 0
                for u in levering.iter("Uitkering"):
                    if u.findtext("Statistiekcode") != "01":
                        continue
                    einden = [p.findtext("EinddatumUitkering") or "" for p in u.iter("Persoon")]
                    aanvang = min(p.findtext("AanvangsdatumUitkering") or "99999999" for p in u.iter("Persoon"))
                    ended = all(einden) and max(einden) <= peil
                    n += aanvang <= peil and not ended
                counts[(gm, upload.month)] = n
    return counts


def build_bijstand(gemeenten: dict[str, str]) -> None:
    table = "82015NED"
    last = dt.date(2026, 10, 1)
    demo = [dt.date(2024 + (10 + k) // 12, (10 + k) % 12 + 1, 1) for k in range(24)]
    counts = demo_bestand(demo)
    codes = sorted({gm for gm, _ in counts})
    periods = [dt.date(2023, 12, 1)] + [dt.date(y, m, 1) for y in (2024, 2025, 2026) for m in range(1, 13)
                                        if dt.date(y, m, 1) <= last]
    props = [dimension(0, 0, "RegioS", "Regio's", "GeoDimension"),
             dimension(1, 1, "Perioden", "Perioden", "TimeDimension"),
             group(2, "Bijstandsuitkeringen"),
             topic(3, 2, 2, "TotaalBijstandsuitkeringen_1", "Totaal bijstandsuitkeringen", "Long", "aantal"),
             topic(4, 3, 2, "TotDeAOWLeeftijd_2", "Tot de AOW-leeftijd", "Long", "aantal"),
             topic(5, 4, 2, "VanafDeAOWLeeftijd_3", "Vanaf de AOW-leeftijd", "Long", "aantal")]
    rows = []
    for code in codes:
        first = counts[(code, demo[0])]
        for month in periods:
            base = counts.get((code, month), first)
            total = round(base * 0.985)
            boven = round(total * 0.07)
            rows.append({"ID": len(rows), "RegioS": pad(code), "Perioden": f"{month.year}MM{month.month:02d}",
                         "TotaalBijstandsuitkeringen_1": total, "TotDeAOWLeeftijd_2": total - boven,
                         "VanafDeAOWLeeftijd_3": boven})
    write_table(table, {
        "TableInfos": table_infos(table, "Bijstandsuitkeringen; uitkeringsgrondslag, regio's",
                                  "2026-11-20T02:00:00", "2011-2026", "Maandelijks",
                                  "Lopende algemene bijstandsuitkeringen (huishoudens) per gemeente die de bijstand "
                                  "verstrekt, laatste dag van de maand."),
        "TypedDataSet": rows, "DataProperties": props, "CategoryGroups": [],
        "RegioS": [{"Key": pad(c), "Title": gemeenten[c], "Description": "", "DetailRegionCode": ""} for c in codes],
        "Perioden": [{"Key": f"{m.year}MM{m.month:02d}", "Title": f"{m.year} {m:%B}", "Description": "",
                      "Status": "Voorlopig" if m.year == 2026 else "Definitief"} for m in periods]})


def build_kerncijfers(shared: Path) -> dict[str, dict]:
    table = "85984NED"
    source = shared / "cbs" / "85984NED"
    infos = json.loads((source / "TableInfos.json").read_text(encoding="utf-8"))
    props = json.loads((source / "DataProperties.json").read_text(encoding="utf-8"))
    data = json.loads((source / "gemeenten_wijken_2024.json").read_text(encoding="utf-8"))
    gm = {k: v for k, v in data.items() if k.startswith("GM")}
    rows = [{"ID": i, "WijkenEnBuurten": pad(code), **values} for i, (code, values) in enumerate(sorted(gm.items()))]
    write_table(table, {"TableInfos": infos, "TypedDataSet": rows, "DataProperties": props, "CategoryGroups": [],
                        "WijkenEnBuurten": [{"Key": pad(c), "Title": c, "Description": "", "DetailRegionCode": ""}
                                            for c in sorted(gm)]})
    return gm


# CBS *Sociale zekerheid; bijstand, re-integratie en WSW, gemeenten*: the real UntypedDataSet rows, as exported.
KERNCIJFERS_WSW = {2015: ("83450NED", "2016-11-25T02:00:00"), 2016: ("83747NED", "2017-11-24T02:00:00"),
                   2017: ("84066NED", "2018-11-23T02:00:00")}
# CBS 03759ned, Nederland, bevolking op 1 januari (all ages): scales inwoners 15+ to a gemeentegrootte estimate.
NL_INWONERS = {2015: 16_900_726, 2016: 16_979_120, 2017: 17_081_507}
LEEFTIJD_WSW = [("20150", "15 jaar of ouder"), ("90100", "15 jaar tot AOW-leeftijd"),
                ("90200", "AOW-leeftijd en ouder")]


def read_kerncijfers_csv(shared: Path, year: int) -> list[dict]:
    text = (shared / "cbs" / "bijstand_reintegratie_wsw_2015_2017" / f"gemeente_{year}.csv").read_text("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def build_kerncijfers_wsw(shared: Path, year: int) -> list[dict]:
    """The real rows of one year, byte for byte as CBS's UntypedDataSet (padded strings, ``.`` unknown), as the
    table's data set; DataProperties and the dimension entity sets in CBS's shape, measures keyed as in the file."""
    table, modified = KERNCIJFERS_WSW[year]
    rows = read_kerncijfers_csv(shared, year)
    measures = [key for key in rows[0] if key not in ("ID", "Leeftijd", "Regiokenmerken")]
    props = [dimension(0, 0, "Leeftijd", "Leeftijd"), dimension(1, 1, "Regiokenmerken", "Regiokenmerken",
                                                                   "GeoDimension")]
    props += [topic(2 + k, 2 + k, None, key, key.rsplit("_", 1)[0], "Double") for k, key in enumerate(measures)]
    data = [{"ID": int(r["ID"]), **{k: v for k, v in r.items() if k != "ID"}} for r in rows]
    write_table(table, {
        "TableInfos": table_infos(table, f"Sociale zekerheid; bijstand, re-integratie en WSW, gemeenten {year}",
                                  modified, str(year), "Eenmalig",
                                  "Bijstandsontvangers, re-integratievoorzieningen en WSW-werknemers per gemeente."),
        "TypedDataSet": data, "DataProperties": props, "CategoryGroups": [],
        "Leeftijd": [{"Key": k, "Title": t, "Description": "", "CategoryGroupID": None} for k, t in LEEFTIJD_WSW],
        "Regiokenmerken": [{"Key": k, "Title": k.strip(), "Description": "", "DetailRegionCode": ""}
                           for k in dict.fromkeys(r["Regiokenmerken"] for r in rows)]})
    return rows


def gemeenten_2015_2017(shared: Path, regio: dict[str, dict], year: int, rows: list[dict]) -> tuple[list, dict]:
    """The gemeenten of the year's kerncijfers table with the real 2016 codes of 83287NED-gebieden-2016 (where the
    gemeente existed in 2016, else the CBS-derived classification) and inwoners 15+ scaled to all ages. An area code
    the classification has no name for gets a blank name (CBS's own blank: divobench shows the code)."""
    g16 = json.loads((shared / "cbs" / "83287NED-gebieden-2016" / "83287NED.json").read_text(encoding="utf-8"))
    at = {code: k for k, code in enumerate(g16["reg"])}
    names = {"region_code": {r["region_code"]: r["region"] for r in regio.values()},
             "corop_code": {r["corop_code"]: r["corop"] for r in regio.values()},
             "province_code": {r["province_code"]: r["province"] for r in regio.values()}}
    nl = next(float(r["Inwoners_1"]) for r in rows if r["Regiokenmerken"].strip() == "NL01"
              and r["Leeftijd"] == "20150")
    gemeenten, inwoners = [], {}
    for r in rows:
        code = r["Regiokenmerken"].strip()
        if not code.startswith("GM") or r["Leeftijd"] != "20150":
            continue
        g = dict(regio[code])
        if code in at:
            for field, key in (("region_code", "Arbeidsmarktregio's"), ("corop_code", "COROP-gebieden"),
                               ("province_code", "Provincies")):
                g[field] = g16[key][at[code]]
        g.update({name: names[field].get(g[field], "") for field, name in
                  (("region_code", "region"), ("corop_code", "corop"), ("province_code", "province"))})
        gemeenten.append(g)
        inwoners[code] = round(float(r["Inwoners_1"]) * NL_INWONERS[year] / nl)
    return gemeenten, inwoners


def main(shared: Path) -> None:
    regio = {r["code"]: r for r in csv.DictReader((shared / "gemeenten_regio_2010_2026.csv").open(encoding="utf-8"))}
    kern = build_kerncijfers(shared)
    current = sorted(code for code, r in regio.items() if r["year"] == "2026")
    inw = {2024: {c: int(kern[c]["AantalInwoners_5"]) for c in current}}
    inw[2025] = {c: round(n * (1 + growth(c))) for c, n in inw[2024].items()}
    inw[2026] = {c: round(n * (1 + growth(c))) for c, n in inw[2025].items()}
    dichtheid = {c: float(kern[c]["Bevolkingsdichtheid_34"]) for c in current}
    inw[2020] = dict(INWONERS_2020)
    inw[2021] = {c: round(n * 1.004) for c, n in INWONERS_2020.items() if c not in ("GM0003", "GM0010", "GM0024",
                                                                                  "GM0788")}
    inw[2021]["GM1979"] = round((INWONERS_2020["GM0003"] + INWONERS_2020["GM0010"] + INWONERS_2020["GM0024"]) * 0.997)
    for code, weight in HAAREN_WEIGHTS.items():
        inw[2021][code] += round(INWONERS_2020["GM0788"] * weight)
    for year in (2024, 2025, 2026):
        build_gebieden(year, [regio[c] for c in current], inw[year], dichtheid)
    for year in (2020, 2021):
        build_gebieden(year, [regio[c] for c in inw[year]], inw[year], dichtheid)
    for year in (2015, 2016, 2017):
        rows = build_kerncijfers_wsw(shared, year)
        build_gebieden(year, *gemeenten_2015_2017(shared, regio, year, rows), dichtheid)
    names = {c: r["name"] for c, r in regio.items()}
    build_bevolking(names, inw)
    build_bijstand(names)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
