"""/lti/register fetches a URL its visitor chose, so one address may open it
only so often; the rest get a 429 page saying how long to wait."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from lti_tool.db import db, utcnow
from lti_tool.models import RegistrationAttempt
from lti_tool.registration_limit import AttemptLimit
from tests.integration.test_dynamic_registration import (
    config_url,
    make_app,
    open_register,
    registrations,
)
from tests.local_server import serving
from tests.registration_platform import RegistrationPlatform

pytestmark = pytest.mark.http


def limited_app(settings, attempts: int, window: int = 600):
    return make_app(
        settings,
        registration_allowed_networks="127.0.0.0/8",
        http_timeout=2,
        registration_rate_limit=attempts,
        registration_rate_window=window,
    )


def test_attempts_over_the_limit_get_a_429_page(settings, caplog):
    caplog.set_level(logging.INFO, logger="pathmark")
    app = limited_app(settings, attempts=2)
    platform = RegistrationPlatform("moodle")
    with serving(platform) as lms, serving(app) as tool:
        platform.base_url = lms
        # Failed attempts count too: each one made Pathmark call out.
        first = open_register(tool, f"{lms}/nowhere")
        second = open_register(tool, f"{lms}/nowhere")
        third = open_register(tool, config_url(lms, platform))

    assert (first.status_code, second.status_code) == (502, 502)
    assert third.status_code == 429
    assert "too many registration attempts from your address" in third.text
    assert "Wait 10 minutes" in third.text
    assert "registration_rate" in third.text
    assert 590 <= int(third.headers["Retry-After"]) <= 601
    # Refused before any outbound call: the platform was never asked.
    assert platform.config_requests == 0
    assert platform.registrations == []
    assert registrations(app) == []
    refused = [r.message for r in caplog.records if "step=rate" in r.message]
    assert refused == ["event=registration.refused step=rate status=429"]
    # The address itself is never stored.
    with app.app_context():
        keys = db.session.scalars(select(RegistrationAttempt.client_key)).all()
    assert keys and all("127.0.0.1" not in k for k in keys)


def test_zero_turns_the_limit_off(settings):
    app = limited_app(settings, attempts=0)
    with serving(app) as tool:
        answers = [open_register(tool, "").status_code for _ in range(4)]
    assert answers == [400, 400, 400, 400]
    with app.app_context():
        count = db.session.scalar(select(func.count(RegistrationAttempt.id)))
    assert count == 0


def test_the_window_moves_on_and_old_attempts_are_deleted(settings):
    app = limited_app(settings, attempts=1, window=60)
    limit = AttemptLimit(1, timedelta(seconds=60), app.config["SECRET_KEY"])
    start = utcnow()
    with app.app_context():
        assert limit.admit("203.0.113.9", start) is None
        assert limit.admit("203.0.113.9", start + timedelta(seconds=20)) == 41
        # Another address has its own count.
        assert limit.admit("198.51.100.7", start) is None
        assert limit.admit("203.0.113.9", start + timedelta(seconds=61)) is None
        db.session.commit()
        rows = db.session.scalars(select(RegistrationAttempt.attempted_at)).all()
    assert rows == [start + timedelta(seconds=61)]


def test_the_limit_setting_is_checked(settings):
    from lti_tool.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="registration_rate_limit"):
        load_settings({}, {"registration_rate_limit": -1})
    with pytest.raises(ConfigError, match="registration_rate_window"):
        load_settings({}, {"registration_rate_window": 0})


def test_a_real_registration_within_the_limit(settings):
    app = limited_app(settings, attempts=1)
    platform = RegistrationPlatform("moodle")
    with serving(platform) as lms, serving(app) as tool:
        platform.base_url = lms
        response = open_register(tool, config_url(lms, platform))
        again = requests.get(f"{tool}/lti/register", timeout=10)
    assert response.status_code == 200, response.text
    assert again.status_code == 429
