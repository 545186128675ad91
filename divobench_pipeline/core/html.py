"""HTML pages the product writes, from Jinja2 templates (``*.html.j2``) kept as files in the package.

Every value is escaped by Jinja2's autoescaping; a value that is already HTML must say so with ``Markup``.
"""

from __future__ import annotations

from collections.abc import Callable

import jinja2


def template_environment(package: str, finalize: Callable[[object], object] | None = None) -> jinja2.Environment:
    """The templates in ``<package>/templates``, autoescaped; an undefined name is an error, not an empty text.

    ``finalize`` sees every value before it is escaped (e.g. to hide what may never be shown).
    """
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"), autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, finalize=finalize)
