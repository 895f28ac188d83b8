"""Module content is Markdown, rendered to HTML that cannot carry script."""

from __future__ import annotations

from peerpath.training.content import render_markdown


def test_markdown_is_rendered():
    html = render_markdown("## Listening\n\nLet them **finish**.\n\n- one\n- two\n")
    assert html == (
        "<h2>Listening</h2>\n<p>Let them <strong>finish</strong>.</p>\n"
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    )


def test_script_and_event_handlers_are_removed():
    html = render_markdown(
        "Hello <script>alert('x')</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        '<a href="https://example.org" onclick="steal()">site</a>\n\n'
        "[bad](javascript:alert(1))\n\n"
        "<iframe src='https://example.org'></iframe><style>body{}</style>"
    )
    assert "<script" not in html
    assert "alert" not in html
    for removed in ("onerror", "onclick", "<img", "<iframe", "<style"):
        assert removed not in html
    assert "javascript:" not in html
    assert '<a href="https://example.org" rel="noopener noreferrer">site</a>' in html


def test_a_level_one_heading_is_demoted_below_the_page_title():
    assert render_markdown("# Title") == "<h2>Title</h2>"
