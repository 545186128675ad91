"""The shape of the code (docs/architecture.md, issue 9): files and functions a person can read, and a core that
imports no Dagster. Plain checks over the package's source with ``ast``; no module is imported."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "divobench_pipeline"
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60
# Functions over the limit in files another change is reworking (orchestration: sensors and planners); the list
# only shrinks. Anything new over the limit fails.
KNOWN_LONG_FUNCTIONS: set[tuple[str, str]] = set()
# Plain modules that still reach Dagster through the month arithmetic in orchestration/ (deadline, shift_month),
# until that moves to one plain month module (issue 9, point 8, orchestration's change); the list only shrinks.
KNOWN_DAGSTER_REACH = {("defs/statushouders/planning.py", "defs/cbs/resources.py")}
PLAIN_ORCHESTRATION = {("orchestration", "plan.py")}  # what planners return: plain, so planners stay plain
DAGSTER_MODULES_OF_A_DOMAIN = {"assets.py", "checks.py", "sensors.py", "jobs.py", "resources.py", "definitions.py"}


def sources() -> list[Path]:
    found = sorted(PACKAGE.rglob("*.py"))
    assert len(found) > 40
    return found


def relative(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def test_no_source_file_is_over_400_lines():
    lines = {relative(p): p.read_text(encoding="utf-8").count("\n") for p in sources()}
    assert {path: n for path, n in lines.items() if n > MAX_FILE_LINES} == {}


def test_no_function_is_over_60_lines():
    long_functions = {}
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES and (relative(path), node.name) not in KNOWN_LONG_FUNCTIONS:
                    long_functions[f"{relative(path)}:{node.lineno} {node.name}"] = length
    assert long_functions == {}


def imported_modules(path: Path, root: Path = PACKAGE) -> set[str]:
    """Every module a file imports, at the top or inside a function (relative imports resolved)."""
    package = ["divobench_pipeline", *path.relative_to(root).parent.parts]
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1]) if node.level else ""
            module = ".".join(filter(None, [base, node.module]))
            modules.add(module)
            modules.update(f"{module}.{alias.name}" for alias in node.names)
    return modules


def may_import_dagster(path: Path) -> bool:
    parts = path.relative_to(PACKAGE).parts
    if parts in (("definitions.py",), ("cli.py",), ("__main__.py",)):
        return True
    if parts[0] == "orchestration":
        return parts not in PLAIN_ORCHESTRATION
    return len(parts) == 3 and parts[0] == "defs" and parts[2] in DAGSTER_MODULES_OF_A_DOMAIN


def is_dagster(module: str) -> bool:
    top = module.split(".")[0]
    return top == "dagster" or top.startswith("dagster_")


def test_only_the_dagster_modules_import_dagster():
    """core/, demo/ and a domain's plain modules (parsing, computation, ...) import no Dagster."""
    offenders = {relative(p): sorted(m for m in imported_modules(p) if is_dagster(m))
                 for p in sources() if not may_import_dagster(p)}
    assert {path: modules for path, modules in offenders.items() if modules} == {}


def test_plain_modules_reach_no_dagster_through_the_package():
    """A plain module imports only plain modules of the package, so importing it never loads Dagster."""
    module_of = {".".join(["divobench_pipeline", *p.relative_to(PACKAGE).with_suffix("").parts]).removesuffix(
        ".__init__"): p for p in sources()}
    offenders = {}
    for path in sources():
        if may_import_dagster(path):
            continue
        reached = {module_of[m] for m in imported_modules(path) if m in module_of}
        if dagster_side := sorted(relative(p) for p in reached if may_import_dagster(p)
                                  and (relative(path), relative(p)) not in KNOWN_DAGSTER_REACH):
            offenders[relative(path)] = dagster_side
    assert offenders == {}


@pytest.mark.parametrize(("source", "expected"), [
    ("import dagster as dg\n", {"dagster"}),
    ("def f():\n    from dagster_duckdb import DuckDBResource\n", {"dagster_duckdb", "dagster_duckdb.DuckDBResource"}),
    ("from .. import x\n", {"divobench_pipeline.defs", "divobench_pipeline.defs.x"}),
])
def test_the_import_scan_finds_imports_anywhere(tmp_path, source, expected):
    path = tmp_path / "defs" / "bus_uploads" / "x.py"
    path.parent.mkdir(parents=True)
    path.write_text(source, encoding="utf-8")
    assert imported_modules(path, root=tmp_path) == expected
