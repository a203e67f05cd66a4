"""The collaborators the views use, built once per app in the factory.

Tests replace any of them (HTTP session, key ring, clock-dependent
policies) by building the app with other settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import requests
from flask import Flask, current_app

from lti_tool.config import resolve_path
from lti_tool.keys import KeyRing
from lti_tool.launch_session import LaunchTokens
from lti_tool.launch_validation import LaunchPolicy
from lti_tool.platform_keys import PlatformKeys
from lti_tool.public_address import AddressPolicy, parse_networks, platform_session
from lti_tool.registration import DatabaseToolConf

USER_AGENT = "Pathmark/0.1 (LTI 1.3 tool)"


@dataclass
class Services:
    keyring: KeyRing
    tool_conf: DatabaseToolConf
    http: requests.Session
    platform_keys: PlatformKeys
    tokens: LaunchTokens
    policy: LaunchPolicy


def build_services(app: Flask) -> Services:
    cfg = app.config
    keyring = KeyRing(
        resolve_path(cfg["KEYS_DIR"]), grace=timedelta(days=cfg["KEY_GRACE_DAYS"])
    )
    # Every call to a stored platform endpoint (key sets, tokens, grades,
    # rosters) goes through the address guard Dynamic Registration uses.
    policy = AddressPolicy(parse_networks(cfg["REGISTRATION_ALLOWED_NETWORKS"]))
    http = platform_session(policy, USER_AGENT)
    return Services(
        keyring=keyring,
        tool_conf=DatabaseToolConf(keyring),
        http=http,
        platform_keys=PlatformKeys(
            http,
            max_age=timedelta(seconds=cfg["PLATFORM_JWKS_MAX_AGE"]),
            refetch_interval=timedelta(seconds=cfg["PLATFORM_JWKS_REFETCH_INTERVAL"]),
            timeout=cfg["HTTP_TIMEOUT"],
        ),
        tokens=LaunchTokens(
            cfg["SECRET_KEY"],
            cfg["LAUNCH_TOKEN_MAX_AGE"],
            timedelta(hours=cfg["LAUNCH_SESSION_MAX_HOURS"]),
        ),
        policy=LaunchPolicy(
            leeway=timedelta(seconds=cfg["LEEWAY_SECONDS"]),
            state_max_age=timedelta(seconds=cfg["LOGIN_STATE_MAX_AGE"]),
            unknown_deployment=cfg["UNKNOWN_DEPLOYMENT"],
        ),
    )


def services() -> Services:
    return current_app.extensions["pathmark"]
