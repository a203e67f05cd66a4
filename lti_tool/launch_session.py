"""The session after a launch: a signed, short-lived token bound to it.

Third-party cookies are often blocked inside an LMS iframe, so Pathmark
pages do not depend on them: every link and form carries ``lt``, a token
signed with the app's secret that names the launch and expires. A token
from one launch never opens another launch's pages.
"""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lti_tool.db import db
from lti_tool.models import Launch
from lti_tool.refusals import LaunchRefused, Reason

TOKEN_PARAM = "lt"


class LaunchTokens:
    def __init__(self, secret_key: str, max_age: int):
        self._serializer = URLSafeTimedSerializer(secret_key, salt="pathmark-launch")
        self.max_age = max_age

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
        return launch
