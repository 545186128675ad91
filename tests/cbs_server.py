"""A local stand-in for CBS's OData3 feed: serves the recorded responses shipped in divobench_pipeline/cbs/extracts.

Requests are answered as ``opendata.cbs.nl/ODataFeed/odata/<table>/...`` would answer them (the entity-set list,
each entity set in its JSON envelope, the data set in pages linked by ``odata.nextLink``), so the real cbsodata
client runs against it unchanged. Every request is recorded; tables can be made to fail, to answer with an HTML
maintenance page, to come back empty or to carry a new Modified. Other recorded responses (a file per entity set,
e.g. ``../shared/data/cbs/recorded-feed-80137ned/``) are served with ``serve``.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

EXTRACTS = Path(__file__).resolve().parents[1] / "divobench_pipeline" / "defs" / "cbs" / "extracts"
PAGE_SIZE = 100
MAINTENANCE_PAGE = ("<!DOCTYPE html><html><head><title>Onderhoud</title></head><body><h1>CBS StatLine is tijdelijk "
                    "niet beschikbaar wegens onderhoud</h1></body></html>")


class CbsServer:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self.failing: dict[str, set[str]] = {}  # table → entity sets answered with 500 ("*" = all)
        self.modified: dict[str, str] = {}  # table → Modified to report instead of the recorded one
        self.html: dict[str, int] = {}  # table → HTTP status of an HTML maintenance page answered for every request
        self.empty: set[str] = set()  # tables whose data set comes back without rows
        self.recorded: dict[str, dict[str, Path]] = {}  # table → entity set ("index" too) → recorded JSON file
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                parsed = urllib.parse.urlparse(self.path)
                query = urllib.parse.parse_qs(parsed.query)
                server.requests.append((parsed.path, query))
                status, body = server.answer(parsed.path, query)
                html = isinstance(body, str)
                data = body.encode() if html else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html" if html else "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def catalog_url(self) -> str:
        return f"127.0.0.1:{self.port}"

    def serve(self, table: str, files: dict[str, Path]) -> None:
        """Answer ``table`` from recorded responses: entity set name (``index`` for the list) → its JSON file."""
        self.recorded[table] = files

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict | str]:
        parts = path.strip("/").split("/")
        if parts[:2] != ["ODataFeed", "odata"] or len(parts) not in (3, 4):
            return 404, {"error": f"not found: {path}"}
        table, entity = parts[2], parts[3] if len(parts) == 4 else "index"
        if table in self.html:
            return self.html[table], MAINTENANCE_PAGE
        if {"*", entity} & self.failing.get(table, set()):
            return 500, {"odata.error": {"message": {"lang": "nl", "value": "Storing"}}}
        file = self.recorded[table].get(entity) if table in self.recorded else EXTRACTS / table / f"{entity}.json"
        if file is None or not file.exists():
            return 404, {"odata.error": {"message": {"lang": "nl", "value": f"{table}/{entity} bestaat niet"}}}
        body = json.loads(file.read_text(encoding="utf-8"))
        if entity == "TableInfos" and table in self.modified:
            body["value"] = [{**body["value"][0], "Modified": self.modified[table]}]
        if entity == "TypedDataSet" and table in self.empty:
            body["value"] = []
        if entity == "TypedDataSet":
            skip = int(query.get("$skiptoken", ["0"])[0])
            rows = body["value"]
            body["value"] = rows[skip:skip + PAGE_SIZE]
            if skip + PAGE_SIZE < len(rows):
                body["odata.nextLink"] = (f"http://{self.catalog_url}/ODataFeed/odata/{table}/TypedDataSet"
                                          f"?$format=json&$skiptoken={skip + PAGE_SIZE}")
        return 200, body

    def paths(self, table: str) -> list[str]:
        return [p for p, _ in self.requests if p.startswith(f"/ODataFeed/odata/{table}/")]

    def __enter__(self) -> CbsServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)
