"""Untrusted text through our Markdown escaping and MkDocs's Markdown comes back as the same text."""

import lxml.html
import markdown
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from builder.markdown_text import escape_markdown
from builder.normalize import normalize_line

# The extensions MkDocs always enables.
MD = markdown.Markdown(extensions=["toc", "tables", "fenced_code"])

SYNTAX = list("\\`*_{}[]()#+-.!|<>&~=:;'\"/ 0123456789") + ["<b>", "</script>", "&amp;", "{{", "{%", "-->", "<!--", "---", "***", "1.", "* ", "- ", "> ", "```", "~~~", "    ", "[x](javascript:y)", "![a](b)", "<http://x>", "&#x27;"]
ARABIC = list("ابتثجحخدذرسشصضطظعغفقكلمنهوي ءآأإؤئىة،؛؟«»")


def rendered_text(source: str) -> str:
    MD.reset()
    html = MD.convert(source)
    if not html.strip():
        return ""
    fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    assert all(el.tag in ("div", "p") for el in fragment.iter()), html
    return fragment.text_content()


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(SYNTAX + ARABIC) | st.text(max_size=3), max_size=30).map("".join))
@example("1. أولاً")
@example("#عاجل")
@example("--- ")
@example("~~~ python")
@example("<!-- x --> {{ y }}")
def test_any_text_renders_literally(text):
    text = normalize_line(text)
    assert rendered_text(escape_markdown(text)) == text


@pytest.mark.parametrize("text", ["**غامق**", "<script>alert(1)</script>", "[رابط](javascript:alert(1))", "&amp; &lt;"])
def test_no_markup_is_produced(text):
    MD.reset()
    html = MD.convert(escape_markdown(text))
    assert html.startswith("<p>") and "<script" not in html and "<strong" not in html and "<a " not in html
