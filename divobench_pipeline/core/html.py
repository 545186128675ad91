"""HTML pages the product writes, from Jinja2 templates (``*.html.j2``) kept as files in the package.

Every value is escaped by Jinja2's autoescaping; a value that is already HTML must say so with ``Markup``.
"""

from __future__ import annotations

from collections.abc import Callable

import jinja2


def template_environment(package: str, finalize: Callable[[object], object] | None = None) -> jinja2.Environment:
    """The templates in ``<package>/templates`` (and the shared ones in ``core/templates``, e.g. the upload
    report's stylesheet), autoescaped; an undefined name is an error, not an empty text.

    ``finalize`` sees every value before it is escaped (e.g. to hide what may never be shown).
    """
    loader = jinja2.ChoiceLoader([jinja2.PackageLoader(package, "templates"),
                                  jinja2.PackageLoader("divobench_pipeline.core", "templates")])
    return jinja2.Environment(
        loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, finalize=finalize)
