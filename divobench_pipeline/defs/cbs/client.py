"""The real ``cbsodata`` client behind a cache of raw responses, usable without network.

Every table is downloaded whole (all its entity sets, with an optional ``$filter`` on the data set) with
``cbsodata.download_data``, into a temporary folder that replaces ``<cache>/<TABLEID>/`` only when complete, next
to ``bron.json`` (retrieved_at, the table's Modified, source). Online, a table whose Modified is unchanged is read
from the cache; a failed or impossible download falls back to the cache, else to the extract shipped with the
package, and says so in ``CbsTable.bron``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import cbsodata
import requests

from divobench_pipeline.core.home import DivobenchHome
from divobench_pipeline.core.settings import ONLINE, settings

DOWNLOAD = "download"
CACHE = "cache"
EXTRACT = "extract"
REQUIRED_SETS = ("TableInfos", "DataProperties", "TypedDataSet")
_OPTIONS_LOCK = threading.Lock()  # cbsodata keeps use_https as a module-wide option


class CbsUnavailable(RuntimeError):
    """A table could be neither downloaded nor found in the cache or the shipped extracts."""


class CbsEmptyTable(ValueError):
    """CBS answered, but without the rows or metadata a table must have."""


def _is_html(text: str | None) -> bool:
    return bool(text) and text.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))


def failure_reason(exc: BaseException) -> str:
    """What went wrong in a download, in words for the provenance (``bron``): no network, a timeout, an HTML
    maintenance page instead of data, an HTTP error, an empty table."""
    response = getattr(exc, "response", None) or getattr(exc.__cause__, "response", None)
    if isinstance(exc, requests.Timeout):
        return "CBS antwoordde niet op tijd (time-out)"
    if isinstance(exc, requests.ConnectionError):
        return "geen verbinding met CBS (geen netwerk)"
    if isinstance(exc, json.JSONDecodeError) and _is_html(exc.doc) or \
            response is not None and _is_html(response.text):
        status = f" (HTTP {response.status_code})" if response is not None else ""
        return f"CBS antwoordde met een HTML-pagina in plaats van data{status}, waarschijnlijk onderhoud"
    if isinstance(exc, requests.HTTPError):
        status = response.status_code if response is not None else "fout"
        return f"CBS antwoordde met HTTP {status}"
    if isinstance(exc, CbsEmptyTable):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


@dataclass(frozen=True)
class CbsTable:
    """One CBS table as retrieved: its entity sets (values as CBS sent them) and where they came from."""

    table_id: str
    entity_sets: dict[str, list[dict]]
    retrieved_at: str
    modified: str
    source: str
    bron: str

    @property
    def rows(self) -> list[dict]:
        return self.entity_sets["TypedDataSet"]

    @property
    def properties(self) -> list[dict]:
        return self.entity_sets["DataProperties"]

    @property
    def title(self) -> str:
        return self.entity_sets["TableInfos"][0].get("Title", self.table_id)


def extract_dir(table_id: str) -> Path | None:
    """The shipped extract of a table (OData3 responses, one JSON file per entity set), if there is one."""
    folder = Path(str(resources.files(__package__).joinpath("extracts", table_id)))
    return folder if (folder / "index.json").exists() else None


class CbsClient:
    """Fetches CBS tables through ``cbsodata`` (OData3 bulk feed), with the cache as fallback."""

    def __init__(self, cache_root: Path, *, catalog_url: str = "opendata.cbs.nl", use_https: bool = True,
                 timeout_seconds: float = 30.0, online: bool = True):
        self.cache_root = Path(cache_root)
        self.catalog_url = catalog_url
        self.use_https = use_https
        self.timeout_seconds = timeout_seconds
        self.online = online

    def table(self, table_id: str, *, filters: str | None = None) -> CbsTable:
        """The table, downloaded if CBS has a newer version than the cache (online), else from the cache."""
        if not self.online:
            return self.cached(table_id, "offline modus") or self._seed_from_extract(table_id, "offline modus")
        try:
            remote = self.remote_modified(table_id)
            if self.cached_modified(table_id) == remote:
                cached = self.cached(table_id, f"actueel, Modified {remote[:10]}")
                if cached is not None:
                    return cached
            return self._download(table_id, filters)
        except (requests.RequestException, OSError, ValueError, KeyError) as exc:
            reason = f"download mislukt: {failure_reason(exc)}"
            return self.cached(table_id, reason) or self._seed_from_extract(table_id, reason)

    def remote_modified(self, table_id: str) -> str:
        """The Modified date of the table's current version at CBS (one request for TableInfos)."""
        with _OPTIONS_LOCK:
            cbsodata.options.use_https = self.use_https
            info = cbsodata.get_info(table_id, catalog_url=self.catalog_url, timeout=self.timeout_seconds)
        if not info or "Modified" not in info:
            raise CbsEmptyTable(f"CBS gaf voor tabel {table_id} geen TableInfos terug")
        return info["Modified"]

    def cached_modified(self, table_id: str) -> str | None:
        """The Modified date of the cached version of a table (read from its ``bron.json`` only), if any."""
        try:
            return json.loads((self.cache_root / table_id / "bron.json").read_text(encoding="utf-8"))["modified"]
        except (OSError, ValueError, KeyError):
            return None

    def cached(self, table_id: str, reason: str = "") -> CbsTable | None:
        """The cached table, if a complete one is there; ``bron`` says when and how it came and ``reason``."""
        folder = self.cache_root / table_id
        try:
            meta = json.loads((folder / "bron.json").read_text(encoding="utf-8"))
            sets = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")
                    if p.name != "bron.json"}
        except (OSError, ValueError):
            return None
        if any(name not in sets for name in REQUIRED_SETS):
            return None
        origin = "download" if meta["source"] == DOWNLOAD else "meegeleverd extract"
        why = f"{origin}; {reason}" if reason else origin
        return CbsTable(table_id, sets, meta["retrieved_at"], meta["modified"], CACHE,
                        f"cache van {meta['retrieved_at'][:10]} ({why})")

    def _download(self, table_id: str, filters: str | None) -> CbsTable:
        self.cache_root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=f".{table_id}-", dir=self.cache_root) as scratch:
            with _OPTIONS_LOCK:
                cbsodata.options.use_https = self.use_https
                sets = cbsodata.download_data(table_id, dir=scratch, filters=filters,
                                              catalog_url=self.catalog_url, timeout=self.timeout_seconds)
            missing = [name for name in REQUIRED_SETS if not sets.get(name)]
            if missing:
                raise CbsEmptyTable(f"CBS gaf tabel {table_id} leeg terug (geen rijen in {', '.join(missing)})")
            now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
            modified = sets["TableInfos"][0]["Modified"]
            self._install(table_id, Path(scratch), {"retrieved_at": now, "modified": modified, "source": DOWNLOAD,
                                                    "filters": filters})
        return CbsTable(table_id, sets, now, modified, DOWNLOAD, f"download van {now[:10]}")

    def _seed_from_extract(self, table_id: str, reason: str) -> CbsTable:
        folder = extract_dir(table_id)
        if folder is None:
            raise CbsUnavailable(f"CBS table {table_id} is not available: {reason}, no cache under "
                                 f"{self.cache_root / table_id} and no shipped extract; run once with network.")
        self.cache_root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=f".{table_id}-", dir=self.cache_root) as scratch:
            for path in folder.glob("*.json"):
                if path.name != "index.json":
                    value = json.loads(path.read_text(encoding="utf-8"))["value"]
                    (Path(scratch) / path.name).write_text(json.dumps(value), encoding="utf-8")
            infos = json.loads((folder / "TableInfos.json").read_text(encoding="utf-8"))["value"]
            now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
            self._install(table_id, Path(scratch), {"retrieved_at": now, "modified": infos[0]["Modified"],
                                                    "source": EXTRACT, "filters": None})
        table = self.cached(table_id)
        return CbsTable(table_id, table.entity_sets, table.retrieved_at, table.modified, EXTRACT,
                        f"meegeleverd extract, Modified {table.modified[:10]} ({reason}; geen cache)")

    def _install(self, table_id: str, scratch: Path, meta: dict) -> None:
        """Replace the cached table by the complete download in ``scratch``, never leaving a half one."""
        (scratch / "bron.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        target = self.cache_root / table_id
        staged = self.cache_root / f".{table_id}.new"
        old = self.cache_root / f".{table_id}.old"
        for leftover in (staged, old):
            shutil.rmtree(leftover, ignore_errors=True)
        shutil.copytree(scratch, staged)
        if target.exists():
            target.rename(old)
        staged.rename(target)
        shutil.rmtree(old, ignore_errors=True)


def cache_root(home: DivobenchHome) -> Path:
    """Where a data directory keeps the raw CBS responses."""
    return home.root / "cache" / "cbs"


def client_for_home(home: DivobenchHome) -> CbsClient:
    """The client of a data directory, online or offline as the settings say (what ``CbsResource`` builds)."""
    found = settings()
    return CbsClient(cache_root(home), catalog_url=found.cbs_catalog_url, use_https=found.cbs_https,
                     online=found.cbs_mode == ONLINE)
