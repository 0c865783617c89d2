import dataclasses
import json
import shutil

from builder.read.inputs import read_article, read_inputs
from builder.render.jsonld import build_graph, dumps_script_safe
from tests.conftest import SAMPLE, SEED


def nodes(graph):
    return {n["@type"]: n for n in graph["@graph"]}


def seed_article(profile, **changes):
    (read,) = read_inputs(SAMPLE / SEED.name, profile)  # with its byline judged («وكالات»)
    return dataclasses.replace(read.article, **changes)


def test_graph_types_and_links(profile, settings):
    graph = build_graph(seed_article(profile), settings)
    by_type = nodes(graph)
    assert set(by_type) == {
        "NewsArticle",
        "WebPage",
        "WebSite",
        "NewsMediaOrganization",
        "BreadcrumbList",
        "ImageObject",
        "Organization",
    }
    article, page = by_type["NewsArticle"], by_type["WebPage"]
    page_url = "https://akhbar.example.org/articles/morocco-israel-security-agreement/"
    assert article["@id"] == page_url + "#article" and page["@id"] == page_url
    assert article["mainEntityOfPage"] == {"@id": page_url}
    # the photo's three crops, 16:9 first: the page's primary image
    assert article["image"][0] == {"@id": page_url + "#primaryimage"} == page["primaryImageOfPage"]
    crops = [n for n in graph["@graph"] if n["@type"] == "ImageObject"]
    assert article["image"] == [{"@id": n["@id"]} for n in crops]
    # the seed photo is 1200x675: each crop as wide as its ratio allows, never upscaled
    assert [(n["width"], n["height"]) for n in crops] == [(1200, 675), (900, 675), (675, 675)]
    assert [n["contentUrl"].rpartition("-")[2] for n in crops] == ["16x9.jpg", "4x3.jpg", "1x1.jpg"]
    assert page["breadcrumb"] == {"@id": by_type["BreadcrumbList"]["@id"]}
    assert article["publisher"] == {"@id": by_type["NewsMediaOrganization"]["@id"]}
    assert article["author"] == [{"@id": by_type["Organization"]["@id"]}]
    # properties only on the types schema.org gives them
    assert "primaryImageOfPage" not in article and "breadcrumb" not in article
    assert article["datePublished"] == "2021-11-24T21:40:00+03:00"
    assert article["alternativeHeadline"].startswith("يتيح للرباط")
    assert article["inLanguage"] == "ar" and article["wordCount"] > 300
    image = crops[0]
    assert image["contentUrl"].startswith(
        "https://akhbar.example.org/media/55425f2f31b4ad18/rabat-mausoleum-"
    )
    assert (
        image["caption"] == "غانتس أمام ضريح محمد الخامس في الرباط أمس"
        and image["creditText"] == "رويترز"
    )


def test_nothing_is_invented_when_metadata_is_missing(tmp_path, profile, settings):
    raw = tmp_path / SEED.name
    shutil.copy(SEED, raw)  # without its sidecar: a caption but no photo URL, no metadata
    a = read_article(raw, profile).article
    by_type = nodes(build_graph(a, settings))
    assert "ImageObject" not in by_type and "primaryImageOfPage" not in by_type["WebPage"]
    for prop in ("datePublished", "dateModified", "author", "image", "articleSection", "keywords"):
        assert prop not in by_type["NewsArticle"]


def test_script_safe_serialisation_round_trips(profile, settings):
    hostile = "</script><script>alert(1)</script><!-- & \u2028"
    graph = build_graph(seed_article(profile, headline=hostile), settings)
    text = dumps_script_safe(graph)
    assert "<" not in text and ">" not in text and "&" not in text
    assert "المغرب" in text  # Arabic stays readable, not \\u escapes
    assert json.loads(text) == graph


def test_authors_with_one_name_but_different_kinds_are_different_nodes(profile, settings):
    from builder.core.article import Author

    a = seed_article(profile, authors=(Author("وكالات"), Author("وكالات", kind="Organization")))
    ids = [
        n["@id"]
        for n in build_graph(a, settings)["@graph"]
        if n["@type"] in ("Person", "Organization")
    ]
    assert len(ids) == 2 and len(set(ids)) == 2
