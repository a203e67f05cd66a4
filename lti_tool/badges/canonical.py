"""RDF Dataset Canonicalization (RDFC-1.0, URDNA2015) with a safety guard.

pyld has no safe mode: a term no context defines is dropped without a
word, and a type or id that is not an absolute IRI is resolved against the
document base, or dropped when there is none. A credential signed in that
state verifies with pyld and fails every verifier that runs jsonld.js in
safe mode. So before anything is signed, the document is expanded against
a placeholder base and refused when a value went missing or an IRI landed
on that base. The expanded form is then canonicalized, so the guard costs
no second round of context processing.
"""

from __future__ import annotations

from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.identifier_issuer import IdentifierIssuer

from lti_tool.badges.documents import DocumentLoader

# A base no real IRI uses: anything resolved against it was relative.
PLACEHOLDER_BASE = "https://relative-iri.invalid/"
_VALUE_KEYWORDS = {"@value"}


class UnsafeDocument(ValueError):
    """JSON-LD processing would change what the document says."""


def canonicalize(document: dict[str, Any], loader: DocumentLoader) -> str:
    """Canonical N-Quads of a JSON-LD document, as pyld gives them."""
    return jsonld.normalize(
        document,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": loader,
        },
    )


def checked_canonical(document: dict[str, Any], loader: DocumentLoader) -> str:
    """Canonical N-Quads, refusing a document expansion would alter."""
    return canonical_of_expanded(checked_expansion(document, loader))


def canonical_of_expanded(expanded: list[dict[str, Any]]) -> str:
    """URDNA2015 N-Quads of a document the guard has already expanded.

    ``jsonld.normalize`` would expand its input once more, about a third of
    the signing time; the RDF dataset is built from the guard's expansion
    instead, with pyld's own node-map and graph steps (the ones its
    ``to_rdf`` runs after expanding). This leans on pyld 2's internal
    methods: setup.cfg pins pyld below 4, and the 1EdTech test vector test
    fails if they ever change meaning.
    """
    processor = jsonld.JsonLdProcessor()
    issuer = IdentifierIssuer("_:b")
    node_map: dict[str, Any] = {"@default": {}}
    processor._create_node_map(expanded, node_map, "@default", issuer)
    options = {"produceGeneralizedRdf": False, "processingMode": "json-ld-1.1"}
    dataset = {
        name: processor._graph_to_rdf(graph, issuer, options)
        for name, graph in sorted(node_map.items())
        if name == "@default" or jsonld._is_absolute_iri(name)
    }
    return URDNA2015().main(dataset, {"format": "application/n-quads"})


def checked_expansion(
    document: dict[str, Any], loader: DocumentLoader
) -> list[dict[str, Any]]:
    """Expand ``document``; raise :class:`UnsafeDocument` on any loss."""
    _refuse_unknown_contexts(document.get("@context"), loader)
    empty = _empty_objects(document, "$")
    if empty:
        raise UnsafeDocument(
            "empty objects state nothing and expansion drops them: "
            + ", ".join(empty[:5])
        )
    try:
        expanded = jsonld.expand(
            document, {"documentLoader": loader, "base": PLACEHOLDER_BASE}
        )
    except jsonld.JsonLdError as exc:
        raise UnsafeDocument(f"JSON-LD expansion failed: {exc}") from None

    problems: list[str] = []
    _check_iris(expanded, problems)
    if problems:
        raise UnsafeDocument("not absolute IRIs: " + ", ".join(problems[:5]))
    given, kept = _compact_leaves(document), _expanded_leaves(expanded)
    if given != kept:
        raise UnsafeDocument(
            f"expansion kept {kept} of {given} values: a term is undefined "
            "in the document's contexts"
        )
    return expanded


def _refuse_unknown_contexts(context: Any, loader: DocumentLoader) -> None:
    urls = context if isinstance(context, list) else [context]
    for url in urls:
        if isinstance(url, str) and not loader.known(url):
            raise UnsafeDocument(f"context {url} is not shipped with Pathmark")


def _empty_objects(value: Any, path: str) -> list[str]:
    """Where the document holds ``{}``: a value no leaf count can see go."""
    if isinstance(value, dict):
        if not any(k != "@context" for k in value):
            return [path]
        found: list[str] = []
        for k, v in value.items():
            if k != "@context":
                found += _empty_objects(v, f"{path}.{k}")
        return found
    if isinstance(value, list):
        found = []
        for n, item in enumerate(value):
            found += _empty_objects(item, f"{path}[{n}]")
        return found
    return []


def _compact_leaves(value: Any) -> int:
    """Scalars a compact document states, its contexts left out."""
    if isinstance(value, dict):
        return sum(_compact_leaves(v) for k, v in value.items() if k != "@context")
    if isinstance(value, list):
        return sum(_compact_leaves(v) for v in value)
    if value is None:
        # JSON-LD drops nulls; a signed document must not carry any.
        return 1_000_000
    return 1


def _expanded_leaves(value: Any) -> int:
    """Scalars left after expansion: values, ids and node types."""
    if isinstance(value, list):
        return sum(_expanded_leaves(v) for v in value)
    if not isinstance(value, dict):
        return 0
    if "@value" in value:
        return 1  # its @type or @language comes from a context
    count = 0
    for key, item in value.items():
        if key == "@id":
            count += 1
        elif key == "@type":
            count += len(item) if isinstance(item, list) else 1
        else:
            count += _expanded_leaves(item)
    return count


def _is_absolute(iri: str) -> bool:
    if iri.startswith("_:"):
        return True
    scheme, colon, _ = iri.partition(":")
    return bool(colon) and scheme[:1].isalpha() and not iri.startswith(PLACEHOLDER_BASE)


def _check_iris(value: Any, problems: list[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _check_iris(item, problems)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if key == "@id" and isinstance(item, str) and not _is_absolute(item):
            problems.append(item)
        elif key == "@type":
            for iri in item if isinstance(item, list) else [item]:
                if not _is_absolute(iri):
                    problems.append(iri)
        elif key == "@value":
            continue
        else:
            if not key.startswith("@") and not _is_absolute(key):
                problems.append(key)
            _check_iris(item, problems)
