"""What the BUS uploads domain still has to do: files waiting in the inbox, and participant-months whose upload
in force is not what the warehouse holds (a first delivery or a correction)."""

from __future__ import annotations

import duckdb

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.months import Month, parse_month_key
from divobench_pipeline.core.participants import Registry
from divobench_pipeline.core.warehouse import has_table
from divobench_pipeline.defs.bus_uploads.intake import uploads_in_force
from divobench_pipeline.orchestration.plan import PlannedRun, SourceVersions, content_digest

INTAKE_JOB = "bus_intake_job"
STAGING_JOB = "bus_staging_job"
UPLOAD_SOURCE = "bus_accepted_upload"
UploadKey = tuple[Month, str]


def inbox_listing(home: DivobenchHome, participant_ids) -> list[tuple[str, str, int, int]]:
    """(participant, file name, size, mtime in ns) of every file waiting in a registered participant's inbox."""
    listing = []
    for pid in participant_ids:
        folder = home.inbox_of(pid)
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    stat = path.stat()
                    listing.append((pid, path.name, stat.st_size, stat.st_mtime_ns))
    return listing


def accepted_uploads(home: DivobenchHome, registry: Registry) -> dict[UploadKey, str]:
    """(month, participant) → sha256 of the upload in force, for participants still in the registry."""
    return {(parse_month_key(month), pid): receipt.sha256
            for (month, pid), receipt in uploads_in_force(home).items() if pid in registry}


def staged_uploads(con: duckdb.DuckDBPyConnection | None) -> dict[UploadKey, str]:
    """(month, participant) → sha256 of the upload the warehouse holds."""
    if con is None or not has_table(con, "bus_upload_in_force"):
        return {}
    rows = con.execute("SELECT month, participant_id, upload_sha256 FROM bus_upload_in_force").fetchall()
    return {(month, pid): sha for month, pid, sha in rows}


def staging_due(home: DivobenchHome, registry: Registry, con: duckdb.DuckDBPyConnection | None
                ) -> dict[UploadKey, tuple[str | None, str]]:
    """Participant-months to (re)stage: key → (sha256 the warehouse holds or None, sha256 in force)."""
    staged = staged_uploads(con)
    return {key: (staged.get(key), sha) for key, sha in accepted_uploads(home, registry).items()
            if staged.get(key) != sha}


def uploads_pending(home: DivobenchHome, registry: Registry, con: duckdb.DuckDBPyConnection | None) -> bool:
    """Whether files wait in the inbox or accepted uploads wait to be staged: what reads staged data waits."""
    return bool(inbox_listing(home, registry.ids) or staging_due(home, registry, con))


def plan(home: DivobenchHome, registry: Registry, con: duckdb.DuckDBPyConnection | None) -> list[PlannedRun]:
    """Intake while files wait in the inbox (content: their names, sizes and times); else one staging run over
    every participant-month whose upload in force changed (content: the sha256 held and the sha256 in force of
    each, so a correction, and a return to an earlier file, is a new run and a repeated tick is not)."""
    listing = inbox_listing(home, registry.ids)
    if listing:
        return [PlannedRun(INTAKE_JOB, content_digest("intake", listing), label="inbox")]
    due = staging_due(home, registry, con)
    if not due:
        return []
    keys = sorted(due)
    return [PlannedRun(STAGING_JOB, content_digest("staging", [(k, *due[k]) for k in keys]),
                       label=f"{len(keys)} participant-months",
                       partitions=tuple((month.isoformat(), pid) for month, pid in keys))]


def source_versions(home: DivobenchHome, registry: Registry, con: duckdb.DuckDBPyConnection | None
                    ) -> list[SourceVersions]:
    """Per participant-month, the sha256 of the upload in force: what staging compares with the warehouse's."""
    return [SourceVersions(UPLOAD_SOURCE, accepted_uploads(home, registry),
                           "a new upload in force for this participant-month (a first delivery or a correction)")]
