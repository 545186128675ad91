"""The dashboard: one self-contained HTML file (styles inline, charts as data URIs, no scripts, no network).

Jinja2 with autoescaping renders it; a Content-Security-Policy in the page forbids loading anything but inline
styles and data: images, so it opens offline (from a USB stick) and cannot reach a network.
"""

from __future__ import annotations

import base64
import os
from functools import cache
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup

from divobench_pipeline.defs.reports.document import Document
from divobench_pipeline.defs.reports.formatting import nl_date, nl_month, nl_number, unit_label


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("divobench_pipeline.defs.reports", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(nl_month=nl_month, nl_date=nl_date, nl_number=nl_number, unit_label=unit_label,
                       b64=lambda data: base64.b64encode(data).decode("ascii"))
    chart = env.get_template("_chart.html.j2")
    env.globals["chart_figure"] = lambda c: Markup(chart.render(chart=c, **env.globals))
    return env


@cache
def _css() -> str:
    return resources.files(__package__).joinpath("templates", "rapport.css").read_text(encoding="utf-8")


def render_html(document: Document, out_dir: Path | None = None) -> str:
    """The dashboard as one HTML page; the link to the upload report is relative to ``out_dir``."""
    report = document.report
    link = None
    if report.quality.upload and report.quality.upload.report is not None:
        target = report.quality.upload.report
        link = Path(os.path.relpath(target, out_dir)).as_posix() if out_dir else target.as_uri()
    return environment().get_template("benchmarkrapport.html.j2").render(
        doc=document, r=report, q=report.quality, css=Markup(_css()), upload_link=link)
