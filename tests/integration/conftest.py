"""A strict AGS peer on 127.0.0.1 and an app whose grade sync talks to it."""

from __future__ import annotations

import pytest

from tests.ags_peer import AgsPeer
from tests.grading_setup import CLIENT_ID, Clock


@pytest.fixture
def settings(settings):
    # Short HTTP timeout so "slow platform" tests run quickly.
    return {**settings, "http_timeout": 1}


@pytest.fixture(params=["moodle"])
def mode(request):
    return request.param


@pytest.fixture
def peer(app, mode):
    keyring = app.extensions["pathmark"].keyring
    peer = AgsPeer(keyring.jwks, CLIENT_ID, mode=mode).start()
    yield peer
    peer.stop()


@pytest.fixture
def sync(app):
    sync = app.extensions["pathmark.grading"]
    sync.clock = Clock()
    sync.rng = lambda: 0.5
    return sync
