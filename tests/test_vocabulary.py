"""Every JSON-LD property sits on a type schema.org (release 30.0, offline) allows it on."""

import copy

import pytest

from builder.check.vocabulary import check_node
from builder.read.inputs import input_files, read_article
from builder.render.jsonld import build_graph
from tests.conftest import SAMPLE


@pytest.fixture(scope="module")
def graphs(profile, settings):
    return [build_graph(read_article(p, profile).article, settings) for p in input_files([SAMPLE])]


def test_sample_graphs_use_only_allowed_properties(graphs):
    for graph in graphs:
        assert [p for p in check_node(graph) if p[0] == "error"] == []


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (
            lambda g: g["@graph"][0].update(breadcrumb={"@id": "x"}),
            "property 'breadcrumb' is not defined",
        ),
        (
            lambda g: g["@graph"][0].update(primaryImageOfPage={"@id": "x"}),
            "property 'primaryImageOfPage' is not defined",
        ),
        (lambda g: g["@graph"][1].update(dateline="الرباط"), "property 'dateline' is not defined"),
        (lambda g: g["@graph"][0].update(headLine="x"), "unknown schema.org property 'headLine'"),
        (lambda g: g["@graph"][0].update({"@type": "NewsArtikel"}), "unknown schema.org type"),
        (
            lambda g: g["@graph"][3]["logo"].update(creditTxt="x"),
            "unknown schema.org property 'creditTxt'",
        ),
    ],
)
def test_misplaced_properties_are_caught(graphs, mutate, expected):
    graph = copy.deepcopy(graphs[0])
    mutate(graph)
    errors = [msg for level, msg in check_node(graph) if level == "error"]
    assert any(expected in msg for msg in errors), errors
