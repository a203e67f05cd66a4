"""Fixtures: Debian's chromium driven by Playwright, headless.

Playwright never downloads a browser here: it starts the system chromium.
Without one (or without Playwright) the suite skips and says why; with
``PATHMARK_REQUIRE_BROWSER=1`` (CI) that skip is a failure instead.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def stack(chromium_path, tmp_path_factory):
    """Pathmark (two threaded gunicorn workers) and the sandbox, for chromium."""
    from tests.integration.stack import running_stack

    with running_stack(tmp_path_factory.mktemp("pathmark-browser"), threads=4) as s:
        yield s


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


def _not_available(reason: str) -> None:
    if os.environ.get("PATHMARK_REQUIRE_BROWSER") == "1":
        pytest.fail(f"PATHMARK_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def find_chromium() -> str | None:
    configured = os.environ.get("PATHMARK_CHROMIUM", "/usr/bin/chromium")
    if os.access(configured, os.X_OK):
        return configured
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _not_available(
            "Playwright is missing; install it with pip install -e '.[test]'"
        )
    path = find_chromium()
    if path is None:
        _not_available(
            "no chromium found (looked at /usr/bin/chromium and PATH); "
            "install Debian's chromium with `apt-get install chromium` "
            "or set PATHMARK_CHROMIUM"
        )
    return path  # type: ignore[return-value]


@pytest.fixture
def live_server(app):
    """The app on a free loopback port; stopped when the test ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


# Module scope: one sync Playwright may run at a time, and some modules
# start their own.
@pytest.fixture(scope="module")
def playwright_driver(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver, chromium_path):
    browser = playwright_driver.chromium.launch(
        executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _profile(folder: Path, profile: dict) -> Path:
    (folder / "Default").mkdir(parents=True)
    (folder / "Default" / "Preferences").write_text(json.dumps({"profile": profile}))
    return folder


def _persistent_page(driver, chromium_path, folder: Path) -> Iterator:
    context = driver.chromium.launch_persistent_context(
        str(folder), executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def third_party_blocked_page(playwright_driver, chromium_path, tmp_path_factory):
    """Chrome's own setting "Block third-party cookies" switched on."""
    folder = _profile(
        tmp_path_factory.mktemp("chromium") / "profile",
        {"cookie_controls_mode": 1, "block_third_party_cookies": True},
    )
    yield from _persistent_page(playwright_driver, chromium_path, folder)


@pytest.fixture(scope="module")
def cookies_withheld_page(playwright_driver, chromium_path, tmp_path_factory, stack):
    """Third-party cookies blocked, and every Pathmark cookie refused while
    Pathmark is framed by the sandbox (partitioned ones too), as Safari does."""
    tool = urlsplit(stack.tool_url)
    pattern = f"{tool.scheme}://{tool.netloc},{stack.sandbox_url}"
    folder = _profile(
        tmp_path_factory.mktemp("chromium") / "profile",
        {
            "cookie_controls_mode": 1,
            "block_third_party_cookies": True,
            "content_settings": {"exceptions": {"cookies": {pattern: {"setting": 2}}}},
        },
    )
    yield from _persistent_page(playwright_driver, chromium_path, folder)
