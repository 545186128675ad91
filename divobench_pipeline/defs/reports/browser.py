"""PDF by Chromium's print-to-PDF (Debian's ``chromium-headless-shell`` driven by Playwright), one browser for
many reports: starting it costs ~0.7 s, printing a report afterwards ~0.1–0.3 s.

The page is loaded with every network request refused (the HTML is self-contained; a request would be a bug).
Page numbers come from the stylesheet's ``@page`` margin box, not from Chromium's header and footer templates
(a second small document laid out per page).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_ENV = "DIVOBENCH_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/lib/chromium/chromium-headless-shell"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu"]
PRINT_ONLY = "<style>@media screen { body { display: none; } }</style>"


class BrowserMissing(RuntimeError):
    """Chromium is not installed where divobench looks for it."""


def chromium_path() -> str:
    path = os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM
    if not Path(path).exists():
        raise BrowserMissing(
            f"Chromium for PDF reports is not installed at {path}: install Debian's package "
            f"(apt-get install -y chromium-headless-shell) or set {CHROMIUM_ENV} to a Chromium executable.")
    return path


class _Pages:
    """Headless Chromium printing HTML to A4 PDF, in the printer thread. A fresh page every ``PAGES_PER_TAB``
    reports: a page that is reused for ever keeps ~30 MB of each report (measured), a new page costs a few
    milliseconds."""

    PAGES_PER_TAB = 10

    def __init__(self, browser):
        self._browser = browser
        self._page = None
        self._printed = 0

    def _fresh_page(self):
        if self._page is None or self._printed % self.PAGES_PER_TAB == 0:
            if self._page is not None:
                self._page.close()
            self._page = self._browser.new_page()
            self._page.route("**/*", lambda route: route.abort())
        return self._page

    def print(self, html: str) -> bytes:
        page = self._fresh_page()
        self._printed += 1
        page.set_content(print_only(html), wait_until="load")
        return page.pdf(format="A4", print_background=True, prefer_css_page_size=True)


def print_only(html: str) -> str:
    """``html`` with nothing shown on screen, only in print. Chromium lays a loaded page out and paints it for the
    screen before it prints (a quarter of printing a report), and the print lays it out anew for A4."""
    head = html.find("</head>")
    return html if head < 0 else html[:head] + PRINT_ONLY + html[head:]


class Printer:
    """The caller's side of the printer thread, which owns Chromium and its pages (Playwright's synchronous
    objects may only be used from the thread that made them)."""

    def __init__(self, jobs: queue.Queue):
        self._jobs = jobs

    def submit(self, html: str) -> Future:
        """Hand a page to Chromium and return at once (the caller builds the Word file and the infographic while
        Chromium prints): a future of the PDF's bytes; raises the browser's error on ``result()``."""
        future: Future = Future()
        self._jobs.put((html, future))
        return future

    def pdf(self, html: str) -> bytes:
        return self.submit(html).result()


def _serve(jobs: queue.Queue, started: Future) -> None:
    """The printer thread: start Chromium, then print each queued page until ``None`` arrives."""
    from playwright.sync_api import sync_playwright

    try:
        executable = chromium_path()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            try:
                pages = _Pages(browser)
                started.set_result(True)
                while (job := jobs.get()) is not None:
                    html, future = job
                    try:
                        future.set_result(pages.print(html))
                    except Exception as error:  # handed to the caller waiting on the future
                        future.set_exception(error)
            finally:
                browser.close()
    except Exception as error:  # Chromium missing or not starting: raised in the caller's thread
        if not started.done():
            started.set_exception(error)


@contextmanager
def printer() -> Iterator[Printer]:
    """A printer on a fresh headless Chromium in a thread of its own, closed afterwards.
    BrowserMissing when Chromium is not installed."""
    jobs: queue.Queue = queue.Queue()
    started: Future = Future()
    thread = threading.Thread(target=_serve, args=(jobs, started), name="chromium-printer", daemon=True)
    thread.start()
    try:
        started.result()
        yield Printer(jobs)
    finally:
        jobs.put(None)
        thread.join()
