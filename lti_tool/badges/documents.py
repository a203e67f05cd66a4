"""JSON-LD contexts shipped in the package, served to pyld without a network.

Credentials name their contexts by URL; Pathmark never fetches them. The
loader answers from pinned copies read once, and hands pyld the parsed
document itself (no copy) with a ``static`` tag, so pyld keeps the
processed context in its shared cache: canonicalization then costs a
fraction of what re-reading and re-processing contexts would.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
STATUS_V1 = "https://www.w3.org/ns/credentials/status/v1"
PATHMARK_PATH = "/contexts/pathmark-v1.json"

_FILES = {
    VC_V2: "credentials-v2.json",
    OB_V3: "ob-context-3.0.3.json",
    OB_EXTENSIONS: "ob-extensions.json",
    STATUS_V1: "status-v1.json",
}


class UnknownDocument(LookupError):
    """A document a credential names that Pathmark does not ship."""


@cache
def bundled(name: str) -> dict[str, Any]:
    """A shipped context file, parsed once per process."""
    text = resources.files(__package__).joinpath("contexts", name).read_text()
    return json.loads(text)


def pathmark_context_url(base_url: str) -> str:
    """Where this deployment publishes Pathmark's own context."""
    return base_url.rstrip("/") + PATHMARK_PATH


class DocumentLoader:
    """A pyld document loader over the shipped contexts; never a network.

    ``base_url`` places Pathmark's own context under the deployment's
    origin, where ``/contexts/pathmark-v1.json`` serves the same file.
    """

    def __init__(self, base_url: str):
        self.files = dict(_FILES)
        self.files[pathmark_context_url(base_url)] = "pathmark-v1.json"

    def known(self, url: str) -> bool:
        return url in self.files

    def document(self, url: str) -> dict[str, Any]:
        try:
            return bundled(self.files[url])
        except KeyError:
            raise UnknownDocument(
                f"{url} is not a context Pathmark ships; it is never fetched"
            ) from None

    def __call__(self, url: str, options: Any = None) -> dict[str, Any]:
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": self.document(url),
            "tag": "static",
        }
