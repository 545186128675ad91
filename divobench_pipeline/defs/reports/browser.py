"""PDF by Chromium's print-to-PDF (Debian's ``chromium-headless-shell`` driven by Playwright), one browser for
many reports: starting it costs ~0.7 s, printing a report afterwards ~0.1–0.3 s.

The page is loaded with every network request refused (the HTML is self-contained; a request would be a bug).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_ENV = "DIVOBENCH_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/lib/chromium/chromium-headless-shell"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu"]
FOOTER = ('<div style="font-size:7pt;width:100%;text-align:center;color:#52606d">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')


class BrowserMissing(RuntimeError):
    """Chromium is not installed where divobench looks for it."""


def chromium_path() -> str:
    path = os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM
    if not Path(path).exists():
        raise BrowserMissing(
            f"Chromium for PDF reports is not installed at {path}: install Debian's package "
            f"(apt-get install -y chromium-headless-shell) or set {CHROMIUM_ENV} to a Chromium executable.")
    return path


class Printer:
    """Headless Chromium printing HTML to A4 PDF. A fresh page every ``PAGES_PER_TAB`` reports: a page that is
    reused for ever keeps ~30 MB of each report (measured), a new page costs a few milliseconds."""

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

    def pdf(self, html: str) -> bytes:
        page = self._fresh_page()
        self._printed += 1
        page.set_content(html, wait_until="load")
        return page.pdf(format="A4", print_background=True, prefer_css_page_size=True,
                        display_header_footer=True, header_template="<span></span>", footer_template=FOOTER,
                        margin={"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"})


@contextmanager
def printer() -> Iterator[Printer]:
    """A printer on a fresh headless Chromium, closed afterwards."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield Printer(browser)
        finally:
            browser.close()
