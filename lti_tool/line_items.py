"""The gradebook column for a resource link (AGS 2.0, section 3.2).

The launch's ``lineitem`` is used as given. When the launch names only the
``lineitems`` container, the column is found by the link's id, Pathmark's
``resourceId`` (the credential) and ``tag``, or created, then read back to
compare ``scoreMaximum``. One worker at a time looks a link's column up: a
row in ``grade_line_item`` with no URL yet is that worker's lock, so two
workers never create two columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from lti_tool.db import db
from lti_tool.events import event
from lti_tool.models import GradeLineItem, ResourceLink, ScoreDelivery
from lti_tool.score_payloads import LINE_ITEM_MEDIA_TYPE, LINE_ITEMS_MEDIA_TYPE
from lti_tool.vocab import Scope

TAG = "pathmark"
LOOKUP_LEASE = timedelta(seconds=60)


class LineItemUnavailable(Exception):
    """No column to post to; ``retry`` when it may come later."""

    def __init__(self, reason: str, message: str, retry: bool = False):
        super().__init__(message)
        self.reason = reason
        self.retry = retry


@dataclass(frozen=True)
class LineItem:
    url: str
    source: str  # "launch", "found", "created"


def _read_scopes(granted: list[str]) -> list[str]:
    for scope in (Scope.LINEITEM_READONLY, Scope.LINEITEM):
        if scope in granted:
            return [scope]
    raise LineItemUnavailable(
        "no_line_item",
        "the launch names no line item and grants no line item scope",
    )


def next_link(header: str) -> str | None:
    """The ``rel="next"`` URL of a Link header, quoted or not."""
    for part in header.split(","):
        bits = part.split(";")
        url = bits[0].strip()
        rels = [b.strip().replace('"', "") for b in bits[1:]]
        if "rel=next" in rels and url.startswith("<") and url.endswith(">"):
            return url[1:-1]
    return None


class LineItems:
    """Finds, creates and remembers line items; ``ags`` makes the calls."""

    def __init__(self, ags, clock):
        self.ags = ags
        self.clock = clock

    def resolve(self, row: ScoreDelivery, reg) -> LineItem:
        endpoint = row.endpoint
        if endpoint.get("lineitem"):
            return LineItem(endpoint["lineitem"], "launch")
        if not endpoint.get("lineitems"):
            raise LineItemUnavailable(
                "no_line_item", "the launch carried no line item service"
            )
        known = db.session.scalar(
            select(GradeLineItem).where(
                GradeLineItem.resource_link_id == row.resource_link_id
            )
        )
        db.session.commit()
        if known is not None and known.url:
            return LineItem(known.url, known.source)
        if not self._lock(row.resource_link_id, known):
            raise LineItemUnavailable(
                "line_item_lookup", "another worker is finding the line item", True
            )
        try:
            item = self._find_or_create(row, reg)
        except BaseException:
            self._unlock(row.resource_link_id)
            raise
        return item

    def relocate(self, row: ScoreDelivery, reg, missing_url: str) -> str | None:
        """After a 404: look the column up once more; its new URL or None."""
        self.forget(row.resource_link_id)
        if not row.endpoint.get("lineitems"):
            return None
        link = db.session.get(ResourceLink, row.resource_link_id)
        db.session.commit()
        assert link is not None
        found = self._find(row, reg, link)
        if found is None or found == missing_url:
            return None
        self._store(row.resource_link_id, found, "found", None, "")
        return found

    def still_there(self, row: ScoreDelivery, reg, url: str) -> bool:
        """Whether the column at ``url`` can still be read (a GET answers 200).

        A score post's 404 with the column still there is about the user:
        Canvas answers so for the test student of its Student View.
        """
        try:
            scopes = _read_scopes(row.endpoint.get("scope", []))
        except LineItemUnavailable:
            return False
        response = self.ags.call(
            reg, scopes, "GET", url, headers={"Accept": LINE_ITEM_MEDIA_TYPE}
        )
        return response.status_code == 200

    def forget(self, resource_link_id: int) -> None:
        db.session.execute(
            delete(GradeLineItem).where(
                GradeLineItem.resource_link_id == resource_link_id
            )
        )
        db.session.commit()

    # The lock: a row without URL, taken over when its holder went quiet.

    def _lock(self, link_id: int, known: GradeLineItem | None) -> bool:
        now = self.clock()
        if known is not None:
            taken = db.session.execute(
                update(GradeLineItem)
                .where(
                    GradeLineItem.id == known.id,
                    GradeLineItem.url == "",
                    GradeLineItem.checked_at < now - LOOKUP_LEASE,
                )
                .values(checked_at=now)
            ).rowcount
            db.session.commit()
            return taken == 1
        try:
            db.session.add(
                GradeLineItem(
                    resource_link_id=link_id, url="", source="", checked_at=now
                )
            )
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return False
        return True

    def _unlock(self, link_id: int) -> None:
        db.session.rollback()
        db.session.execute(
            delete(GradeLineItem).where(
                GradeLineItem.resource_link_id == link_id, GradeLineItem.url == ""
            )
        )
        db.session.commit()

    def _store(self, link_id, url, source, maximum, warning) -> None:
        values = {
            "url": url,
            "source": source,
            "score_maximum": maximum,
            "warning": warning,
            "checked_at": self.clock(),
        }
        changed = db.session.execute(
            update(GradeLineItem)
            .where(GradeLineItem.resource_link_id == link_id)
            .values(**values)
        ).rowcount
        if not changed:
            db.session.add(GradeLineItem(resource_link_id=link_id, **values))
        db.session.commit()

    # Talking to the container.

    def _find_or_create(self, row: ScoreDelivery, reg) -> LineItem:
        link = db.session.get(ResourceLink, row.resource_link_id)
        db.session.commit()
        assert link is not None
        url = self._find(row, reg, link)
        if url is not None:
            self._store(link.id, url, "found", None, "")
            event("grade.line_item", link=link.id, outcome="found")
            return LineItem(url, "found")
        return self._create(row, reg, link)

    def _find(self, row: ScoreDelivery, reg, link: ResourceLink) -> str | None:
        scopes = _read_scopes(row.endpoint["scope"])
        url: str | None = row.endpoint["lineitems"]
        params: dict[str, Any] | None = {"resource_link_id": link.link_id}
        while url:
            response = self.ags.call(
                reg,
                scopes,
                "GET",
                url,
                params=params,
                headers={"Accept": LINE_ITEMS_MEDIA_TYPE},
            )
            self.ags.raise_for(response)
            for item in response.json():
                if self._ours(item, link):
                    return str(item["id"])
            url = next_link(response.headers.get("Link", ""))
            params = None
        return None

    @staticmethod
    def _ours(item: Any, link: ResourceLink) -> bool:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            return False
        if item.get("resourceLinkId") not in (None, link.link_id):
            return False
        resource = str(item.get("resourceId") or "")
        key = link.credential_key
        # Deep Linking names the version too: "key@v3".
        if key and (resource == key or resource.startswith(key + "@")):
            return True
        return item.get("tag") == TAG and item.get("resourceLinkId") == link.link_id

    def _create(self, row: ScoreDelivery, reg, link: ResourceLink) -> LineItem:
        if Scope.LINEITEM not in row.endpoint["scope"]:
            raise LineItemUnavailable(
                "no_line_item",
                "no line item for this link and no scope to create one",
            )
        maximum = row.score["scoreMaximum"]
        body = {
            "scoreMaximum": maximum,
            "label": link.title or "Pathmark credential",
            "resourceId": link.credential_key or link.link_id,
            "tag": TAG,
            "resourceLinkId": link.link_id,
        }
        scopes = [Scope.LINEITEM]
        response = self.ags.call(
            reg,
            scopes,
            "POST",
            row.endpoint["lineitems"],
            json=body,
            headers={
                "Content-Type": LINE_ITEM_MEDIA_TYPE,
                "Accept": LINE_ITEM_MEDIA_TYPE,
            },
        )
        self.ags.raise_for(response)
        url = str(response.json()["id"])
        # Read it back: some platforms keep their own maximum.
        check = self.ags.call(
            reg, scopes, "GET", url, headers={"Accept": LINE_ITEM_MEDIA_TYPE}
        )
        self.ags.raise_for(check)
        stored = check.json().get("scoreMaximum")
        warning = ""
        if stored != maximum:
            warning = f"the platform keeps scoreMaximum {stored}, not {maximum}"
        self._store(link.id, url, "created", stored, warning)
        event("grade.line_item", link=link.id, outcome="created")
        return LineItem(url, "created")


def line_item_warning(resource_link_id: int) -> str:
    item = db.session.scalar(
        select(GradeLineItem).where(GradeLineItem.resource_link_id == resource_link_id)
    )
    return item.warning if item else ""
