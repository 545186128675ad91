"""Benchmark: the BUS intake alone (archive, parse, check, pseudonymise, report, write Parquet) over a national month.

Takes the files that ``./dev bench --keep DIR`` generated (``DIR/generated``), puts them in the inbox of a fresh
home and receives them as the ``bus_uploads`` asset does (``receive_waiting``, intake workers as configured),
printing wall and CPU seconds (this process and its workers). With ``--digest`` it also prints one digest per
staged table over the content of every staged Parquet file (the column types DuckDB reads and the rows, in file
order), and one over the upload reports and receipts without their times: the same digests before and after a
change to the intake mean the same results. Without ``--generated`` it prints the digests of the home as it is.

    .venv/bin/python bench/intake_national_month.py --generated DIR/generated --home /tmp/intake-home [--digest]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import time
from pathlib import Path

_KEY = "11" * 32
_TIMES = re.compile(r"\d{8}T\d{6}\d*Z_|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(\+00:00)?|"
                    r"\d{1,2} \w+ \d{4},? (om )?\d{2}:\d{2}(:\d{2})?( uur)?")


def receive(generated: Path, root: Path) -> dict:
    from divobench_pipeline.core.home import DivobenchHome
    from divobench_pipeline.core.participants import load_registry
    from divobench_pipeline.defs.bus_uploads.intake import receive_waiting

    shutil.rmtree(root, ignore_errors=True)
    home = DivobenchHome(root).prepare()
    shutil.copyfile(generated.parent / "participants.yaml", root / "participants.yaml")
    waiting = []
    for path in sorted(generated.rglob("*.xml")):
        target = home.inbox_of(path.parent.name) / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        waiting.append((path.parent.name, target))
    registry = load_registry(root / "participants.yaml")
    started, cpu = time.perf_counter(), _cpu_seconds()
    receipts = receive_waiting(home, registry, waiting, pseudonym_key=bytes.fromhex(_KEY),
                               archive_key=bytes.fromhex(_KEY))
    return {"files": len(receipts), "accepted": sum(r.accepted for r in receipts),
            "wall_seconds": round(time.perf_counter() - started, 2),
            "cpu_seconds": round(_cpu_seconds() - cpu, 2), "load_average": os.getloadavg()[0]}


def _cpu_seconds() -> float:
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))


def digests(root: Path) -> dict:
    """Per staged table: the content of every Parquet file (types and rows in file order); and the reports."""
    import duckdb

    con = duckdb.connect(config={"threads": 1})
    tables: dict[str, hashlib._Hash] = {}
    for path in sorted((root / "staging").rglob("*.parquet")):
        rows = con.execute(f"SELECT CAST(t AS VARCHAR) FROM read_parquet('{path}') t").fetchall()
        types = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
        digest = tables.setdefault(path.stem, hashlib.sha256())
        digest.update(repr((path.relative_to(root / "staging").parts, types, rows)).encode())
    reports = hashlib.sha256()
    for path in sorted([*(root / "reports").rglob("*.html"), *(root / "receipts").rglob("*.json")],
                       key=lambda p: _TIMES.sub("", str(p.relative_to(root)))):
        reports.update(_TIMES.sub("", path.read_text(encoding="utf-8")).encode())
    return {**{name: digest.hexdigest()[:16] for name, digest in sorted(tables.items())},
            "reports_and_receipts": reports.hexdigest()[:16]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generated", type=Path, help="without it, only the digests of the home as it is")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--digest", action="store_true")
    args = parser.parse_args()
    os.environ["DIVOBENCH_HOME"] = str(args.home)
    result = receive(args.generated.resolve(), args.home.resolve()) if args.generated else {}
    if args.digest or not args.generated:
        result["digests"] = digests(args.home.resolve())
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
