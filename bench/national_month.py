"""Benchmark: one national month (342 gemeenten, ~400,000 persons) from inbox to indicators.

Prints seconds, records per second and peak RSS for upload + refresh, and, measured in the same run on the same
files, a bare streaming parse as the floor: lxml iterparse reading every value into column lists with elements
cleared, as any parser of these files must at least do, but checking, converting and storing nothing.
Each phase runs in its own process, so its peak memory (sampled over its process tree) is its own.
Targets (issue 14): upload to indicators and group values at most 3× the bare parse, peak memory under 1 GiB.

    ./dev bench [--scale 1.0] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NoReturn

MONTH = dt.date(2026, 9, 1)


def phase_generate(home: Path, scale: float) -> dict:
    """The month's files, and the data directory as a deployment has it before the month arrives: prepared, with
    its Dagster instance created (a first instance creates its SQLite files and stamps their schema, ~2 s)."""
    from divobench_pipeline.core.home import DivobenchHome
    from divobench_pipeline.core.participants import write_registry
    from divobench_pipeline.demo.generator import UploadSpec, generate_uploads, load_inwoners
    from divobench_pipeline.orchestration.instance import dagster_instance

    inwoners = load_inwoners()
    write_registry(home / "participants.yaml", [
        {"id": code, "name": code, "gemeenten": [code], "modules": ["wi_basis"]} for code in sorted(inwoners)])
    specs = [UploadSpec(code, (code,)) for code in sorted(inwoners)]
    generated = generate_uploads(home / "generated", specs, [MONTH], seed=1, scale=scale)
    dagster_instance(DivobenchHome(home).prepare()).dispose()
    return {"files": len(generated), "uitkeringen": sum(g.n_uitkeringen for g in generated),
            "personen": sum(g.n_personen for g in generated),
            "megabytes": round(sum(g.path.stat().st_size for g in generated) / 2**20, 1)}


def phase_bare_parse(home: Path) -> dict:
    """The floor: stream every file and read every value into column lists, checking and storing nothing."""
    from lxml import etree

    persons = 0
    for path in sorted((home / "generated").rglob("*.xml")):
        columns: dict[str, list[str | None]] = {}
        for _, element in etree.iterparse(str(path), events=("end",), resolve_entities=False, no_network=True):
            if len(element):
                if element.tag == "Uitkering":
                    persons += sum(1 for child in element if child.tag == "Persoon")
                    element.clear(keep_tail=False)
                    while element.getprevious() is not None:
                        del element.getparent()[0]
            else:
                columns.setdefault(element.tag, []).append(element.text)
    return {"personen": persons}


def phase_cbs_kerncijfers(home: Path) -> dict:
    """The CBS kerncijfers shipped with the product (years 2015–2017 of the real extracts, national size: every
    gemeente), loaded by ``refresh`` before the month arrives: they do not depend on the uploads, so a deployment has
    them already; measured here on their own (issue 14.5)."""
    from divobench_pipeline.core.home import DivobenchHome
    from divobench_pipeline.definitions import load_defs
    from divobench_pipeline.orchestration.refresh import refresh

    divobench_home = DivobenchHome(home).prepare()
    jobs = {job.name for job in load_defs(divobench_home).resolve_all_job_defs()}
    outcome = refresh(divobench_home, skip_jobs=frozenset(jobs - {"cbs_kerncijfers_job"}))
    return {"runs": outcome.summary(), "success": outcome.success}


def phase_pipeline(home: Path) -> dict:
    from divobench_pipeline.core.home import DivobenchHome
    from divobench_pipeline.orchestration.refresh import refresh

    for path in sorted((home / "generated").rglob("*.xml")):
        target = home / "inbox" / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    outcome = refresh(DivobenchHome(home).prepare(), skip_jobs=frozenset({"report_job"}))
    return {"runs": outcome.summary(), "success": outcome.success}


def phase_other_sources(home: Path) -> dict:
    """The sources added since, after the month: the ministry's BUIG budget file (342 gemeenten) and the shipped
    statushouders deliveries (CBS, COA, KIS for every gemeente), then ``refresh`` again; each run with its time."""
    from divobench_pipeline.core.home import DivobenchHome
    from divobench_pipeline.demo.questionnaires import create_budgets
    from divobench_pipeline.demo.setup import drop_statushouders_sources
    from divobench_pipeline.orchestration.refresh import refresh

    divobench_home = DivobenchHome(home).prepare()
    create_budgets(divobench_home, [MONTH.year], seed=1)
    drop_statushouders_sources(divobench_home)
    outcome = refresh(divobench_home, skip_jobs=frozenset({"report_job"}))
    return {"runs": outcome.summary(), "success": outcome.success}


def phase_questionnaire_workbooks(home: Path) -> dict:
    """Not measured (the participants' own work): every participant takes the module wi_verdiepend and fills in
    the quarterly questionnaire on bedrijfsvoering of the month's quarter, one workbook each in its inbox."""
    from divobench_pipeline.core.home import DivobenchHome
    from divobench_pipeline.core.participants import load_registry, write_registry
    from divobench_pipeline.demo.questionnaires import create_questionnaires

    divobench_home = DivobenchHome(home).prepare()
    registry = load_registry(divobench_home.participants_file)
    write_registry(divobench_home.participants_file, [
        {"id": p.id, "name": p.name, "gemeenten": list(p.gemeenten), "modules": ["wi_basis", "wi_verdiepend"]}
        for p in registry.participants])
    quarter = [dt.date(MONTH.year, MONTH.month - (MONTH.month - 1) % 3 + k, 1) for k in range(3)]
    workbooks = create_questionnaires(divobench_home, load_registry(divobench_home.participants_file), quarter,
                                      seed=1)
    return {"workbooks": len(workbooks)}


def phase_questionnaires(home: Path) -> dict:
    """The 342 questionnaire workbooks through ``refresh`` (issue 14.5): received, checked, stored, their indicators
    and group values; the change of modules in participants.yaml shows as runs of its own."""
    from divobench_pipeline.core.home import DivobenchHome
    from divobench_pipeline.orchestration.refresh import refresh

    outcome = refresh(DivobenchHome(home).prepare(), skip_jobs=frozenset({"report_job"}))
    return {"runs": outcome.summary(), "success": outcome.success}


PHASES = {"generate": phase_generate, "bare_parse": phase_bare_parse, "cbs_kerncijfers": phase_cbs_kerncijfers,
          "pipeline": phase_pipeline,
          "other_sources": phase_other_sources, "questionnaire_workbooks": phase_questionnaire_workbooks,
          "questionnaires": phase_questionnaires}


def tree_rss_kib(root: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    parents, rss = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            parents[int(entry.name)] = int(fields["PPid"])
            rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0])
    tree, frontier = {root}, [root]
    while frontier:
        children = [pid for pid, ppid in parents.items() if ppid in frontier and pid not in tree]
        tree.update(children)
        frontier = children
    return sum(rss.get(pid, 0) for pid in tree)


def run_phase(name: str, home: Path, *extra: str) -> dict:
    return measure_phase(__file__, "--phase", name, "--home", str(home), *extra)


def report_phase(result: dict) -> NoReturn:
    """The child side of ``measure_phase``: the phase's result and its own peak memory, as the last line; then the
    process ends as the ``divobench`` command ends (:func:`quick_exit`)."""
    from divobench_pipeline.core.shutdown import quick_exit

    result["own_rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(result))
    quick_exit(0)


def measure_phase(script: str, *args: str) -> dict:
    """Run ``script`` with ``args`` in its own process, sampling the memory of its process tree every 50 ms.

    The script prints a JSON object as its last line, with ``own_rss_kib`` (its own peak, as a last resort).
    """
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, script, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss_kib(process.pid))
        time.sleep(0.05)
    output, errors = process.communicate()
    if process.returncode:
        sys.exit(f"{Path(script).name} {' '.join(args)} failed:\n{errors}")
    result = json.loads(output.strip().splitlines()[-1])
    result["seconds"] = round(time.perf_counter() - started, 2)
    result["peak_rss_mib"] = round(max(peak, result.pop("own_rss_kib")) / 1024, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        os.environ["DIVOBENCH_HOME"] = str(args.home)
        report_phase(PHASES[args.phase](args.home, args.scale) if args.phase == "generate" else
                     PHASES[args.phase](args.home))
        return

    work = args.keep or Path(tempfile.mkdtemp(prefix="divobench-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        generated = run_phase("generate", work, "--scale", str(args.scale))
        print(f"generated  {generated['files']} files, {generated['uitkeringen']:,} uitkeringen, "
              f"{generated['personen']:,} personen, {generated['megabytes']} MB in {generated['seconds']} s")
        bare = run_phase("bare_parse", work)
        kerncijfers = run_phase("cbs_kerncijfers", work)
        if not kerncijfers["success"]:
            sys.exit("the CBS kerncijfers run failed")
        pipeline = run_phase("pipeline", work)
        persons = generated["personen"]
        print(f"bare parse {bare['seconds']:7.2f} s  {persons / bare['seconds']:10,.0f} personen/s  "
              f"peak RSS {bare['peak_rss_mib']:7.1f} MiB")
        print(f"pipeline   {pipeline['seconds']:7.2f} s  {persons / pipeline['seconds']:10,.0f} personen/s  "
              f"peak RSS {pipeline['peak_rss_mib']:7.1f} MiB")
        print("           (upload to inbox + refresh: intake, staging, indicators; peak RSS of the process and its "
              "intake workers together, sampled every 50 ms)")
        print(f"ratio      {pipeline['seconds'] / bare['seconds']:.2f}× the bare parse (target ≤ 3×); "
              f"peak memory target < 1024 MiB")
        for line in pipeline["runs"]:
            print(f"  {line}")
        if not pipeline["success"]:
            sys.exit("a pipeline run failed")
        others = run_phase("other_sources", work)
        print(f"other sources {others['seconds']:.2f} s in all (BUIG budget file of 342 gemeenten, statushouders "
              f"deliveries: CBS cohorts and COA taakstelling of every gemeente, KIS; then refresh; peak RSS "
              f"{others['peak_rss_mib']:.1f} MiB):")
        for line in others["runs"]:
            print(f"  {line}")
        print(f"CBS kerncijfers {kerncijfers['seconds']:.2f} s in all (before the month: the shipped years for every "
              f"gemeente; peak RSS {kerncijfers['peak_rss_mib']:.1f} MiB):")
        for line in kerncijfers["runs"]:
            print(f"  {line}")
        workbooks = run_phase("questionnaire_workbooks", work)["workbooks"]
        questionnaires = run_phase("questionnaires", work)
        print(f"questionnaires {questionnaires['seconds']:.2f} s in all ({workbooks} workbooks of the quarterly "
              f"questionnaire, one per participant, then refresh; peak RSS {questionnaires['peak_rss_mib']:.1f} MiB):")
        for line in questionnaires["runs"]:
            print(f"  {line}")
        print("reports: bench/reports_national_month.py")
        if not others["success"] or not questionnaires["success"]:
            sys.exit("a run of the other sources or the questionnaires failed")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
