"""Untrusted text through our Markdown escaping and MkDocs's Markdown comes back as the same
text."""

import lxml.html
import markdown
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from builder.read.normalize import normalize_line
from builder.render.markdown_text import escape_markdown

# The extensions MkDocs always enables.
MD = markdown.Markdown(extensions=["toc", "tables", "fenced_code"])

SYNTAX = [
    *list("\\`*_{}[]()#+-.!|<>&~=:;'\"/ 0123456789"),
    "<b>",
    "</script>",
    "&amp;",
    "{{",
    "{%",
    "-->",
    "<!--",
    "---",
    "***",
    "1.",
    "* ",
    "- ",
    "> ",
    "```",
    "~~~",
    "    ",
    "[x](javascript:y)",
    "![a](b)",
    "<http://x>",
    "&#x27;",
]
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


@pytest.mark.parametrize(
    "text", ["**غامق**", "<script>alert(1)</script>", "[رابط](javascript:alert(1))", "&amp; &lt;"]
)
def test_no_markup_is_produced(text):
    MD.reset()
    html = MD.convert(escape_markdown(text))
    assert (
        html.startswith("<p>")
        and "<script" not in html
        and "<strong" not in html
        and "<a " not in html
    )


# Any text a Python str from a decoded file can hold (no lone surrogates), YAML's line breaks
# (U+0085, U+2028, U+2029) and the characters PyYAML refuses in a stream included.
ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40) | st.lists(
    st.sampled_from(
        [*SYNTAX, "\x85", "\u2028", "\u2029", "\x7f", "\ufeff", "\ufffe", "\n---\n", "\n...\n"]
    ),
    max_size=12,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["title", "description", "a b", "x"]),
        ANY_TEXT | st.lists(ANY_TEXT, max_size=3),
        max_size=4,
    ),
    ANY_TEXT,
)
def test_front_matter_reads_back_through_mkdocs(data, body):
    """Front matter (JSON, read by MkDocs as YAML) gives back exactly the values written,
    and the block ends where we ended it whatever the values hold."""
    from mkdocs.utils.meta import get_data

    from builder.render.pages import front_matter, read_front_matter

    markdown_body = escape_markdown(normalize_line(body))
    text, meta = get_data(front_matter(data) + "\n" + markdown_body)
    assert meta == data
    assert (
        read_front_matter(front_matter(data) + "\n" + markdown_body) == meta
    )  # our fast reader agrees
    assert text.strip("\n") == markdown_body.strip("\n")
