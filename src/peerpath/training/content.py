"""
Render module content: Markdown in, sanitised HTML out.

Module content is written by coordinators and organization admins as well as
by us, so it is never trusted: Markdown is converted to HTML and the result is
cleaned by nh3 against a short allow-list. Raw HTML written into the Markdown
(``<script>``, ``<iframe>``, event-handler attributes, ``javascript:`` links)
does not survive.
"""

from __future__ import annotations

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

__all__ = ["ALLOWED_TAGS", "render_markdown"]

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "a", "abbr", "blockquote", "br", "code", "dd", "dl", "dt", "em", "h2", "h3", "h4",
        "hr", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"scope"},
}
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})


def render_markdown(text: str) -> SafeString:
    """Return ``text`` (Markdown) as HTML that is safe to put in a page."""
    html = markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    # Headings start at h2: the page's h1 is the module's title. Markdown's h1
    # is not allowed, so nh3 keeps its text but drops the tag; demote it first.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # sanitised by nh3 just above
