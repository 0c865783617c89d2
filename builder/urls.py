"""Where things live in the published site: one place, so pages, JSON-LD and feeds agree."""

from __future__ import annotations

from builder.article import Article

ARTICLES = "articles"
PAGES = "page"


def article_path(article: Article) -> str:
    """Site-relative URL of an article page (directory URL, as MkDocs publishes it).

    >>> from builder.article import Article
    >>> article_path(Article("abc", "x.txt", "h", None, None, ("p",)))
    'articles/abc/'
    """
    return f"{ARTICLES}/{article.url_slug}/"


def listing_path(page_number: int) -> str:
    """Site-relative URL of page N of the home listing; page 1 is the home page itself."""
    return "" if page_number == 1 else f"{PAGES}/{page_number}/"


def media_path(article: Article, file_name: str) -> str:
    """Site-relative URL of a photo file shipped with the corpus for ``article``."""
    return f"media/{article.id}/{file_name}"
