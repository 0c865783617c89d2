"""The "no request to any other host" promise: what a page's markup and CSS, and the site's
stylesheets, would load from elsewhere. Pages and stylesheets are real text, parsed as the
validator parses them."""

import shutil

import lxml.html
import pytest
import yaml

from builder.build import build
from builder.check.other_hosts import foreign_in_stylesheet, foreign_requests, srcset_urls
from builder.render.assets import logical_name
from tests.conftest import REPO, SAMPLE, make_project

ALLOWED = frozenset({"img.example"})


def page_findings(body, head=""):
    html = f'<html lang="ar" dir="rtl"><head>{head}</head><body>{body}</body></html>'
    return foreign_requests(lxml.html.fromstring(html), ALLOWED)


def css_findings(css):
    return foreign_in_stylesheet(css.encode("utf-8"), ALLOWED)


FOREIGN_CSS = {
    "unquoted url": (
        "p { background: url(https://evil.example/x.png) }",
        "https://evil.example/x.png",
    ),
    "single-quoted url": (
        "p { background: url('https://evil.example/x.png') }",
        "https://evil.example/x.png",
    ),
    "double-quoted url, spaced": (
        'p { background: url(  "https://evil.example/x.png"  ) }',
        "https://evil.example/x.png",
    ),
    "uppercase URL(": (
        "P { BACKGROUND: URL(HTTPS://evil.example/x.png) }",
        "HTTPS://evil.example/x.png",
    ),
    "escaped url": (
        r"p { background: url(https\:\/\/evil.example/x.png) }",
        "https://evil.example/x.png",
    ),
    "escaped function name": (
        r'p { background: \75 rl("https://evil.example/x.png") }',
        "https://evil.example/x.png",
    ),
    "@import string": ('@import "https://evil.example/y.css";', "https://evil.example/y.css"),
    "@import url()": (
        '@import url("https://evil.example/y.css") screen;',
        "https://evil.example/y.css",
    ),
    "@import after a comment": (
        "@import /* c */ 'https://evil.example/y.css';",
        "https://evil.example/y.css",
    ),
    "@font-face //host": (
        '@font-face { font-family: F; src: url(//cdn.example/f.woff2) format("woff2") }',
        "//cdn.example/f.woff2",
    ),
    "nested in @media": (
        "@media print { p { background: url(https://evil.example/x.png) } }",
        "https://evil.example/x.png",
    ),
    "image-set string": (
        'p { background-image: image-set("https://evil.example/x.png" 1x) }',
        "https://evil.example/x.png",
    ),
    "other scheme": ("p { background: url(ftp://evil.example/x.png) }", "ftp://evil.example/x.png"),
    "allowed host, other port": (
        "p { background: url(https://img.example:8443/x.png) }",
        "https://img.example:8443/x.png",
    ),
    "escaped tab makes //host": (
        'p { background: url("/\\9/evil.example/x.png") }',
        "/\t/evil.example/x.png",
    ),
}


@pytest.mark.parametrize("case", FOREIGN_CSS)
def test_stylesheet_loading_from_another_host_is_caught(case):
    css, url = FOREIGN_CSS[case]
    assert css_findings(css) == [("error", f"stylesheet loads from another host: {url}")]


LOCAL_CSS = {
    "relative": 'p { background: url(img/x.png) } @font-face { src: url("fonts/f.woff2") }',
    "root-relative": "p { background: url(/media/x.png) }",
    "local @import": '@import "search.css"; @import url(print.css) print;',
    "data: URL": (
        "p { background: url(data:image/png;base64,iVBORw0KGgo=) } "
        '@font-face { src: url("DATA:font/woff2;base64,d09GMgAB") }'
    ),
    "allowed host": "p { background: url(https://img.example/x.png) }",
    "in a comment": (
        "/* background: url(https://evil.example/x.png); @import 'https://evil.example/y.css'; */"
        " p { color: red }"
    ),
    "in a string that is no URL": 'p::before { content: "https://evil.example/x.png" }',
    "@namespace names, loads nothing": "@namespace svg url(http://www.w3.org/2000/svg);",
}


@pytest.mark.parametrize("case", LOCAL_CSS)
def test_stylesheet_loading_nothing_from_elsewhere_passes(case):
    assert css_findings(LOCAL_CSS[case]) == []


def test_stylesheet_bytes_are_decoded_as_a_browser_does():
    """A BOM is no part of the first rule, and a byte that is no UTF-8 hides nothing after it."""
    assert foreign_in_stylesheet(
        b"\xef\xbb\xbfp { background: url(//cdn.example/x.png) }", ALLOWED
    ) == [("error", "stylesheet loads from another host: //cdn.example/x.png")]
    assert foreign_in_stylesheet(
        b"p { content: '\xff' } p { background: url(//cdn.example/x.png) }", ALLOWED
    ) == [("error", "stylesheet loads from another host: //cdn.example/x.png")]


FOREIGN_MARKUP = {
    "<style> url()": (
        "",
        "<style>p { background: url('https://evil.example/x.png') }</style>",
        "<style> loads from another host: https://evil.example/x.png",
    ),
    "<style> @import": (
        "",
        '<style>@import "//cdn.example/y.css";</style>',
        "<style> loads from another host: //cdn.example/y.css",
    ),
    "<style> in the body": (
        "<style>@font-face { src: URL(https://fonts.example/f.woff2) }</style>",
        "",
        "<style> loads from another host: https://fonts.example/f.woff2",
    ),
    "style attribute": (
        '<div style="background:url(https://evil.example/x.png)">x</div>',
        "",
        "style attribute of <div> loads from another host: https://evil.example/x.png",
    ),
    "img srcset": (
        '<img src="a.png" srcset="a.png 1x, https://evil.example/b.png 2x" alt="">',
        "",
        "<img srcset> loads from another host: https://evil.example/b.png",
    ),
    "source srcset": (
        '<picture><source srcset="//cdn.example/a.webp" type="image/webp">'
        '<img src="a.png" alt=""></picture>',
        "",
        "<source srcset> loads from another host: //cdn.example/a.webp",
    ),
    "video poster": (
        '<video src="v.mp4" poster="https://evil.example/p.jpg"></video>',
        "",
        "<video> loads from another host: https://evil.example/p.jpg",
    ),
    "video src": (
        '<video src="https://evil.example/v.mp4"></video>',
        "",
        "<video> loads from another host: https://evil.example/v.mp4",
    ),
    "audio src": (
        '<audio src="https://evil.example/a.mp3"></audio>',
        "",
        "<audio> loads from another host: https://evil.example/a.mp3",
    ),
    "track src": (
        '<video src="v.mp4"><track src="https://evil.example/t.vtt"></video>',
        "",
        "<track> loads from another host: https://evil.example/t.vtt",
    ),
    "object data": (
        '<object data="https://evil.example/o.pdf"></object>',
        "",
        "<object> loads from another host: https://evil.example/o.pdf",
    ),
    "embed src": (
        '<embed src="https://evil.example/e.swf">',
        "",
        "<embed> loads from another host: https://evil.example/e.swf",
    ),
    "image button": (
        '<form><input type="IMAGE" src="https://evil.example/go.png" alt="go"></form>',
        "",
        "<input> loads from another host: https://evil.example/go.png",
    ),
    "link preload": (
        "",
        '<link rel="preload" href="https://fonts.example/f.woff2" as="font">',
        "<link> loads from another host: https://fonts.example/f.woff2",
    ),
    "link modulepreload": (
        "",
        '<link rel="modulepreload" href="https://cdn.example/m.js">',
        "<link> loads from another host: https://cdn.example/m.js",
    ),
    "link icon": (
        "",
        '<link rel="icon" href="https://cdn.example/i.png">',
        "<link> loads from another host: https://cdn.example/i.png",
    ),
    "alternate stylesheet": (
        "",
        '<link rel="alternate stylesheet" href="https://cdn.example/s.css">',
        "<link> loads from another host: https://cdn.example/s.css",
    ),
    "SVG image": (
        '<svg><image href="https://evil.example/x.png"/></svg>',
        "",
        "<image> loads from another host: https://evil.example/x.png",
    ),
    "SVG image, xlink": (
        '<svg><image xlink:href="//cdn.example/y.png"/></svg>',
        "",
        "<image> loads from another host: //cdn.example/y.png",
    ),
    "backslashes": (
        '<img src="/\\evil.example/x.png" alt="">',
        "",
        "<img> loads from another host: /\\evil.example/x.png",
    ),
}


@pytest.mark.parametrize("case", FOREIGN_MARKUP)
def test_markup_loading_from_another_host_is_caught(case):
    body, head, message = FOREIGN_MARKUP[case]
    assert page_findings(body, head) == [("error", message)]


def test_markup_loading_nothing_from_elsewhere_passes():
    head = (
        '<link rel="canonical" href="https://akhbar.example.org/a/">'
        '<link rel="alternate" type="application/rss+xml" '
        'href="https://akhbar.example.org/feed.xml">'
        '<link rel="stylesheet" href="assets/site.css">'
        "<style>@font-face { src: url(fonts/f.woff2) }</style>"
    )
    body = (
        '<img src="data:image/png;base64,iVBORw0KGgo=" '
        'srcset="data:image/png;base64,AA,BB 1x, https://img.example/b.png 2x" alt="">'
        '<div style="background: url(/media/x.png); color: red">x</div>'
        '<input type="text" src="https://evil.example/not-loaded.png">'
        '<video src="v.mp4" poster="https://img.example/p.jpg"></video>'
        '<a href="https://elsewhere.example/">a link loads nothing</a>'
        '<!-- <img src="https://evil.example/commented-out.png"> -->'
        "<p>url(https://evil.example/x.png) as text</p>"
    )
    assert page_findings(body, head) == []


def test_srcset_urls_follow_html_parsing():
    """A comma inside a URL is part of it (data: URLs have one); a trailing one ends it."""
    srcset = " a.png 1x ,b.png,c.png 480w, data:image/png;base64,AA,BB 2x,d.png (a, b) 3x,e.png, , "
    assert srcset_urls(srcset) == [
        "a.png",
        "b.png,c.png",
        "data:image/png;base64,AA,BB",
        "d.png",
        "e.png",
    ]


def test_a_build_refuses_a_theme_whose_css_loads_from_another_host(tmp_path):
    """The build's own check reads the site's stylesheets: a theme's remote font is never
    published."""
    theme = tmp_path / "theme"
    shutil.copytree(REPO / "templates", theme)
    css = theme / "assets" / "site.css"
    css.write_text(
        '@import url("https://fonts.example/css?family=Amiri");\n'
        + css.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    config = make_project(tmp_path, SAMPLE)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["theme"]["custom_dir"] = str(theme)
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    report = build(config)
    assert not report.published
    assert (
        "assets/site.css",  # by its content-hashed name
        "stylesheet loads from another host: https://fonts.example/css?family=Amiri",
    ) in [(logical_name(f.page), f.message) for f in report.errors]
