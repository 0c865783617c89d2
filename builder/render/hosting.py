"""What a web host needs besides the files: cache and security headers, for Netlify and
Cloudflare Pages (``_headers``) and for nginx (a server snippet). Pure: the site's layout in,
text out.

**Cache policy.** Content-hashed assets (builder.render.assets) never change under their name:
a year, ``immutable``. The home page, listings, the search page and index, feeds, sitemaps and
robots.txt change with every new article: five minutes. Article pages change when corrected:
an hour. Everything under media/ (photo derivatives, share images) is named by a hash of what
it is made from, so a replaced photo gets new URLs: a year, ``immutable``. Anything else
(about, a page of your own): an hour.

**Security headers**, on every response: a Content-Security-Policy the theme's pages satisfy
(no inline script or style, nothing from another host but photos from ``image_hosts``; JSON-LD
is a data block, which CSP does not run), ``X-Content-Type-Options: nosniff``, a referrer
policy and a frame policy (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``). Pagefind
compiles WebAssembly, which CSP allows only with ``'wasm-unsafe-eval'``: it runs in Pagefind's
web worker, whose script's own response sets the worker's policy, so only ``pagefind/`` gets it.

**One rule per URL.** When several rules of a ``_headers`` file match a URL, Cloudflare Pages
joins their values with commas (two Cache-Control or CSP values: the strictest or neither
applies) and Netlify keeps the last. So the rules never overlap: one per top-level folder or
file of the site, one per file of ``assets/``, and ``/`` for the home page. nginx gets the same
rules as locations (an ``add_header`` in a location replaces the server's, so each location
carries every header).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from builder.core.urls import ARTICLES, uri
from builder.render.assets import is_hashed

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
ARTICLE = "public, max-age=3600"
MEDIA = IMMUTABLE  # photo derivatives and share images are named by what they are made from
OTHER = ARTICLE

ASSETS = "assets"
SEARCH_INDEX = "pagefind"  # builder.pipeline.search_index.BUNDLE
SHORT_FOLDERS = frozenset({"page", "sections", "tags", "archive", "search", SEARCH_INDEX})
SHORT_FILES = frozenset(
    {"index.html", "404.html", "feed.xml", "atom.xml", "sitemap.xml", "news-sitemap.xml"}
    | {"robots.txt"}
)
_SITEMAP_PART = re.compile(r"sitemap-[^/]+\.xml")  # the index's sitemaps
# Builder-internal files: its marker, this file, each search chunk's input digest. nginx refuses
# them; Netlify and Cloudflare publish what they are given (``deploy`` leaves them out).
INTERNAL = (".builder-site", "_headers")
CHUNK_DIGEST = "inputs.sha256"  # builder.pipeline.search_index.DIGEST
COPIES = (".br", ".gz")  # precompressed copies: served in place of their file, no rule of their own

HEADERS_FILE = "_headers"
MADE = "# Made by `nashra build` (written again by every build: edit mkdocs.yml, not this file)."


@dataclass(frozen=True)
class Rule:
    """Headers for a part of the site: ``path`` is site-relative, ``""`` the home page alone,
    ending with ``/`` a folder and everything under it, else one file."""

    path: str
    cache: str
    wasm: bool = False  # Pagefind's worker compiles WebAssembly


def rules(top: Iterable[tuple[str, bool]], assets: Iterable[str]) -> list[Rule]:
    """The rules of a site whose top level holds ``top`` (name, is a folder) and whose
    ``assets/`` folder holds ``assets`` (site-relative paths).

    >>> found = rules(
    ...     [("articles", True), ("assets", True), ("feed.xml", False)],
    ...     ["assets/site.0123456789.css", "assets/logo.png"],
    ... )
    >>> for rule in found:
    ...     print(repr(rule.path), rule.cache)
    '' public, max-age=300
    'articles/' public, max-age=3600
    'assets/logo.png' public, max-age=3600
    'assets/site.0123456789.css' public, max-age=31536000, immutable
    'feed.xml' public, max-age=300
    """
    found = [Rule("", SHORT)]
    for name, folder in sorted(top):
        if name in INTERNAL or name.endswith(COPIES):
            continue
        if folder and name == ASSETS:
            found += [
                Rule(rel, IMMUTABLE if is_hashed(rel) else OTHER)
                for rel in sorted(assets)
                if not rel.endswith(COPIES)
            ]
        elif folder:
            cache = {ARTICLES: ARTICLE, "media": MEDIA}.get(
                name, SHORT if name in SHORT_FOLDERS else OTHER
            )
            found.append(Rule(name + "/", cache, wasm=name == SEARCH_INDEX))
        else:
            short = name in SHORT_FILES or _SITEMAP_PART.fullmatch(name)
            found.append(Rule(name, SHORT if short else OTHER))
    return found


def content_security_policy(image_hosts: Iterable[str], wasm: bool = False) -> str:
    """The policy every page of the theme satisfies; ``image_hosts``: hosts photos may come
    from (the site's own public host among them: a photo may be named by its absolute URL).

    >>> content_security_policy(["cdn.example.org"])[:60]
    "default-src 'self'; script-src 'self'; style-src 'self'; img"
    """
    hosts = " ".join(sorted({_ascii_host(h) for h in image_hosts if h}))
    script = "'self' 'wasm-unsafe-eval'" if wasm else "'self'"
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {script}",
            "style-src 'self'",
            f"img-src 'self' {hosts}".strip(),
            "font-src 'self'",
            "connect-src 'self'",
            "worker-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def headers(rule: Rule, image_hosts: Iterable[str]) -> list[tuple[str, str]]:
    """Every header of a response under ``rule``."""
    return [
        ("Cache-Control", rule.cache),
        ("Content-Security-Policy", content_security_policy(image_hosts, rule.wasm)),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
    ]


def headers_file(found: Sequence[Rule], site_url: str, image_hosts: Iterable[str]) -> str:
    """``_headers`` for Netlify and Cloudflare Pages (at the host's root: with a ``site_url``
    path, the paths start with it)."""
    base = urlsplit(uri(site_url)).path or "/"
    hosts = sorted(image_hosts)
    lines = [
        MADE,
        "# Netlify and Cloudflare Pages: cache and security headers. No two rules match one URL",
        "# (Cloudflare would join their values). Copies (.br, .gz) are for nginx; these hosts",
        "# compress by themselves.",
    ]
    for rule in found:
        path = base + quote(rule.path, safe="/")
        lines.append("")
        lines.append(path + ("*" if rule.path.endswith("/") else ""))
        lines += [f"  {name}: {value}" for name, value in headers(rule, hosts)]
    return "\n".join(lines) + "\n"


def nginx_snippet(found: Sequence[Rule], site_url: str, image_hosts: Iterable[str]) -> str:
    """Server-level nginx configuration: precompressed files, the site's 404 page, the
    builder's internal files refused, and each rule as a location."""
    base = urlsplit(site_url).path or "/"
    hosts = sorted(image_hosts)
    holds = "the site" if base == "/" else f"the folder holding the site as {base[1:]}"
    lines = [
        MADE,
        f"# nginx, for {site_url}: include this file in the server block, whose root is",
        f"# {holds}:",
        "#   server { listen 443 ssl; server_name ...; root /var/www/"
        + ("news" if base == "/" else "html")
        + "; include nashra.conf; }",
        "# brotli_static needs the Brotli module (Debian: libnginx-mod-http-brotli-static, which",
        "# loads itself; elsewhere load_module modules/ngx_http_brotli_static_module.so;).",
        "",
        "charset utf-8;",
        "charset_types text/css text/plain text/xml application/javascript application/json"
        " application/rss+xml application/atom+xml;",
        "index index.html;",
        "absolute_redirect off;",
        "gzip_static on;  # x.gz beside x, made by the build",
        "brotli_static on;  # x.br",
        "gzip_vary on;",
        f"error_page 404 {_nginx_path(base + '404.html')};",
        "",
        "# the builder's own files",
        f'location ~ "^{re.escape(base)}(\\.builder-site|_headers)$" {{ return 404; }}',
        f'location ~ "^{re.escape(base)}{SEARCH_INDEX}/[^/]+/{re.escape(CHUNK_DIGEST)}$" '
        "{ return 404; }",
    ]
    for rule in [*found, Rule(".", OTHER)]:  # ".": anything else under the site's path
        if rule.path == ".":
            where = _nginx_path(base)
        elif rule.path.endswith("/"):
            where = _nginx_path(base + rule.path)
        else:
            where = "= " + _nginx_path(base + rule.path)
        lines.append("")
        lines.append(f"location {where} {{")
        lines += [
            f'    add_header {name} "{value}" always;' for name, value in headers(rule, hosts)
        ]
        lines.append("}")
    return "\n".join(lines) + "\n"


def _nginx_path(path: str) -> str:
    """A location's path, quoted (nginx matches the decoded URI, so an Arabic folder stays
    as it is)."""
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ascii_host(host: str) -> str:
    """A host as CSP takes it: IDNA for a non-ASCII name.

    >>> _ascii_host("أخبار.example"), _ascii_host("cdn.example.org:8443")
    ('xn--igbicxr.example', 'cdn.example.org:8443')
    """
    return host if host.isascii() else urlsplit(uri(f"https://{host}/")).netloc
