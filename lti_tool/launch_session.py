"""The session after a launch: a signed, short-lived token bound to it.

Third-party cookies are often blocked inside an LMS iframe, so Pathmark
pages do not depend on them: every link and form carries ``lt``, a token
signed with the app's secret that names the launch and expires. A token
from one launch never opens another launch's pages.

The session slides: each page drawn for a valid token carries a new one
(``launch_context.current_launch``), so a person who keeps working keeps
it alive. However active, a launch ends ``max_session`` after it was made;
the launch row's time is the anchor, so no token can move it.
"""

from __future__ import annotations

from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lti_tool.db import db, utcnow
from lti_tool.models import Launch
from lti_tool.refusals import LaunchRefused, Reason

TOKEN_PARAM = "lt"
# The renewed token on JSON answers, for scripts that keep a page open.
TOKEN_HEADER = "Pathmark-Launch-Token"


class LaunchTokens:
    """Issues and checks tokens: ``max_age`` seconds idle, ``max_session`` in all."""

    def __init__(self, secret_key: str, max_age: int, max_session: timedelta):
        self._serializer = URLSafeTimedSerializer(secret_key, salt="pathmark-launch")
        self.max_age = max_age
        self.max_session = max_session

    def issue(self, launch: Launch | str) -> str:
        """A token for this launch (the row, or its id)."""
        launch_id = launch if isinstance(launch, str) else launch.id
        return self._serializer.dumps({"l": launch_id})

    def launch_id(self, token: str | None) -> str:
        """The launch a token names; refuse a missing, forged or old one."""
        if not token:
            raise LaunchRefused(Reason.SESSION_EXPIRED, "no launch token")
        try:
            data = self._serializer.loads(token, max_age=self.max_age)
        except SignatureExpired:
            raise LaunchRefused(
                Reason.SESSION_EXPIRED, "launch token expired"
            ) from None
        except BadSignature:
            raise LaunchRefused(
                Reason.SESSION_EXPIRED, "launch token invalid"
            ) from None
        return str(data["l"])

    def load(self, token: str | None, launch_id: str | None = None) -> Launch:
        """The launch for a token; with ``launch_id``, it must be that one."""
        found = self.launch_id(token)
        if launch_id is not None and found != launch_id:
            raise LaunchRefused(Reason.NOT_ALLOWED, "token of another launch")
        launch = db.session.get(Launch, found)
        if launch is None or launch.pending_state is not None:
            raise LaunchRefused(Reason.SESSION_EXPIRED, "launch not usable")
        if self.past_cap(launch):
            raise LaunchRefused(Reason.SESSION_EXPIRED, "launch session over its cap")
        return launch

    def past_cap(self, launch: Launch) -> bool:
        """Whether the launch is older than any session may last."""
        return utcnow() - launch.created_at > self.max_session
