"""The one way member-written Markdown becomes HTML (forum posts, reviews, tickets).

CommonMark through markdown-it-py with raw HTML off (a ``<script>`` a member types is shown as
text), then nh3's allow-list: only the tags and attributes below survive, links keep only http,
https and mailto, every link gets ``rel="nofollow ugc noopener noreferrer"``. The sanitiser runs
on the rendered HTML, so nothing Markdown produces (or a future plugin adds) bypasses it. Stored
bodies stay the member's Markdown (cleaned by ``core.text.text_clean``); this renders on save into
a cached HTML column or on display — never trust stored HTML that did not come from here.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h3", "h4", "h5", "h6",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "code": {"class"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener noreferrer"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "commonmark" preset with html off: raw HTML in the source is escaped, not passed through.
    # Headings 1 and 2 are rendered but then dropped to their text by the allow-list, so a post
    # cannot outrank the page's own headings.
    return MarkdownIt("commonmark", {"html": False}).enable("strikethrough")


def markdown_render(source: str) -> str:
    """Render member Markdown ``source`` to sanitised HTML, safe to mark safe in a template."""
    if not source:
        return ""
    return html_sanitise(_parser().render(source))


def html_sanitise(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes of ``html``."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )
