"""Take the set-up guides' screenshots: ``make screenshots``.

Starts Pathmark and the sandbox LMS on 127.0.0.1 (in a temporary folder,
as ``make run`` would set them up), drives Debian's chromium through
Playwright, and saves small PNGs into docs/img/. Nothing leaves the
machine. Re-run it after changing a page the guides show.
"""

from __future__ import annotations

import io
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image
from werkzeug.serving import WSGIRequestHandler, make_server

PROJECT = Path(__file__).resolve().parent.parent
OUT = PROJECT / "docs" / "img"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1024, "height": 720}
ADMIN_PASSWORD = "screenshots only, thrown away"


class Later:
    """A WSGI app set once its server's port is known."""

    def __init__(self):
        self.app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


@contextmanager
def serving(app, port: int) -> Iterator[int]:
    """Serve on 127.0.0.1, on ``port`` when free (the guides show make run's
    5000 and 5001), else on any free port."""
    try:
        server = make_server(
            "127.0.0.1", port, app, threaded=True, request_handler=_Quiet
        )
    except OSError:
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def save(png: bytes, name: str) -> int:
    """Save a screenshot with a reduced palette; returns its size in bytes."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.quantize(colors=96, method=Image.Quantize.MEDIANCUT)
    path = OUT / name
    small.save(path, optimize=True)
    size = path.stat().st_size
    print(f"{name}\t{image.width}x{image.height}\t{size // 1024} KiB")
    return size


def set_up(folder: Path, tool, lms, tool_port: int, lms_port: int) -> str:
    """What ``make run`` does; returns the bootstrap link init printed."""
    from lti_tool import create_app
    from lti_tool.cli import main
    from lti_tool.sandbox import create_sandbox

    tool_url = f"http://localhost:{tool_port}"
    lms_url = f"http://127.0.0.1:{lms_port}"
    tool.app = create_app(
        {
            "database_url": f"sqlite:///{folder / 'pathmark.db'}",
            "instance_path": str(folder / "instance"),
            "keys_dir": str(folder / "keys"),
            "base_url": tool_url,
            "sandbox_url": lms_url,
            "sandbox": True,
            "registration_allowed_networks": "127.0.0.0/8",
            "log_level": "ERROR",
        }
    )
    result = tool.app.test_cli_runner().invoke(main, ["init", "--sandbox"])
    if result.exit_code != 0:
        sys.exit(result.output)
    found = re.search(r"(http://\S+/admin/bootstrap\?code=\S+)", result.output)
    if not found:
        sys.exit("init printed no set-up link:\n" + result.output)
    lms.app = create_sandbox(tool_url, sandbox_url=lms_url, key_dir=folder)
    return found.group(1)


def settle(page) -> None:
    """Let framed pages finish loading and painting before a screenshot."""
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(400)


def shoot(page, tool_url: str, lms_url: str, bootstrap: str) -> int:
    total = 0

    # First set-up: the link the first `lti-tool init` printed.
    page.goto(bootstrap)
    page.fill("#username", "admin")
    page.fill("#password", ADMIN_PASSWORD)
    page.fill("#confirm", ADMIN_PASSWORD)
    total += save(page.locator("main").screenshot(), "bootstrap.png")
    page.click("button[type=submit]")
    page.wait_for_url(f"{tool_url}/admin/")

    # The values to paste, with copy buttons.
    values = page.locator("section[aria-labelledby=values-title]")
    values.locator("button.copy").first.focus()
    total += save(values.screenshot(), "admin-values.png")

    # Dynamic Registration, as Moodle's "Add LTI Advantage" runs it. The
    # script that closes Pathmark's frame is held back, so it stays in view.
    page.route("**/static/registration_close.js", lambda route: route.abort())
    page.goto(f"{lms_url}/register-tool")
    page.frame_locator("#registration").locator("#registered-title").wait_for()
    settle(page)
    total += save(page.screenshot(), "dynamic-registration.png")
    page.unroute("**/static/registration_close.js")

    # A teacher adds an activity: Pathmark's catalogue in the deep linking frame.
    page.goto(f"{lms_url}/")
    page.select_option("#role", "teacher")
    page.click("#switch")
    page.goto(f"{lms_url}/?add=1")
    frame = page.frame_locator("#tool-frame")
    frame.locator("form#pick").wait_for(timeout=15_000)
    settle(page)
    total += save(page.screenshot(full_page=True), "deep-linking-picker.png")

    # A refusal page: a login from an LMS Pathmark does not know.
    page.goto(
        f"{tool_url}/lti/login?iss=https%3A%2F%2Flms.unknown.example"
        "&login_hint=7&client_id=not-registered"
    )
    total += save(page.locator("main").screenshot(), "refusal-unknown-registration.png")

    # The admin's list of recent refusals, naming what arrived.
    page.goto(f"{tool_url}/admin/")
    refusals = page.locator("section[aria-labelledby=refusals-title]")
    total += save(refusals.screenshot(), "admin-refusals.png")
    # A site administrator's launch: the link to Pathmark's administration.
    page.goto(f"{lms_url}/")
    page.select_option("#role", "site-admin")
    page.click("#switch")
    page.click("a.activity >> nth=0")
    frame = page.frame_locator("#tool-frame")
    frame.locator("[data-admin-link]").wait_for(timeout=15_000)
    settle(page)
    total += save(page.screenshot(full_page=True), "admin-launch-link.png")
    with page.context.expect_page() as opened:
        frame.locator("[data-admin-link]").click()
    window = opened.value
    window.wait_for_url(f"{tool_url}/admin/")
    window.set_viewport_size(VIEWPORT)
    total += save(window.screenshot(), "admin-from-launch.png")
    window.close()

    return total


def main() -> None:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium")
    OUT.mkdir(parents=True, exist_ok=True)
    tool, lms = Later(), Later()
    with (
        tempfile.TemporaryDirectory(prefix="pathmark-shots-") as tmp,
        serving(tool, 5000) as tool_port,
        serving(lms, 5001) as lms_port,
    ):
        bootstrap = set_up(Path(tmp), tool, lms, tool_port, lms_port)
        with sync_playwright() as driver:
            browser = driver.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                context = browser.new_context(viewport=VIEWPORT)
                context.set_default_timeout(15_000)
                total = shoot(
                    context.new_page(),
                    f"http://localhost:{tool_port}",
                    f"http://127.0.0.1:{lms_port}",
                    bootstrap,
                )
            finally:
                browser.close()
    print(f"total\t{total // 1024} KiB in {OUT.relative_to(PROJECT)}")


if __name__ == "__main__":
    main()
