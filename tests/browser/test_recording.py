"""A learner records three seconds of audio in chromium, submits, gets a receipt.

A take whose session ends mid-upload is kept in the browser and resumed
from the next launch of the same activity.

Chromium's fake capture device stands in for the microphone; the page is
served by a real server on 127.0.0.1 and uses no cookies at all. The same
flow runs top-level and inside a cross-site iframe (an LMS page on
``localhost`` framing Pathmark on ``127.0.0.1``) with third-party cookies
blocked.
"""

from __future__ import annotations

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from werkzeug.serving import make_server

from lti_tool.db import db
from lti_tool.models import Artefact, Submission, Upload
from lti_tool.receipt_views import check_receipt
from lti_tool.vocab import Claim
from tests.evidence_helpers import expire_launch_tokens, launch, place_credential

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--test-third-party-cookie-phaseout",
]


@pytest.fixture
def server(app):
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def lms_page():
    """A course page on another site that frames Pathmark, as an LMS does."""
    frame = {"src": ""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            body = (
                "<!doctype html><title>Course</title><h1>English B1</h1>"
                f'<iframe id="tool" src="{frame["src"]}" width="320" height="900" '
                'allow="microphone *; camera *"></iframe>'
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{httpd.server_port}", frame
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.mark.parametrize("framed", [False, True], ids=["top-level", "lms-iframe"])
def test_record_submit_and_verify_the_receipt(
    app, platform, server, browser, lms_page, framed
):
    place_credential(
        app,
        kinds=["recording"],
        media_types=["audio/webm", "video/webm"],
        min_seconds=2,
        max_seconds=30,
        takes=2,
        reveal_prompt_on_record=True,
    )
    lms_origin, frame = lms_page
    learner = launch(
        app,
        platform,
        claims={Claim.LAUNCH_PRESENTATION: {"return_url": f"{lms_origin}/course"}},
    )
    activity_url = f"{server}/activity/{learner.launch_id}?lt={learner.token}"
    context = browser.new_context(viewport={"width": 320, "height": 900})
    top = context.new_page()
    if framed:
        frame["src"] = activity_url
        top.goto(f"{lms_origin}/course")
        page = top.frame_locator("#tool")
    else:
        top.goto(activity_url)
        page = top
    page.get_by_role("heading", name="Welcome: here is how this works").wait_for()
    page.get_by_role("button", name="Start", exact=True).click()
    page.get_by_role("button", name="Start recording").click()
    prompt = page.locator("#rec-prompt")
    prompt.wait_for(state="visible")
    assert "did not go to plan" in prompt.inner_text()
    top.wait_for_timeout(3300)
    page.get_by_role("button", name="Stop").click()
    page.get_by_label("Transcript or caption (optional)").fill("A day at the station.")
    keep = page.get_by_role("button", name="Keep this take")
    keep.wait_for(state="visible")
    keep.and_(page.locator(":enabled")).wait_for()
    keep.click()
    page.locator(".pieces li").first.wait_for(timeout=20_000)
    assert "audio/webm" in page.locator(".pieces").inner_text()

    # Readable at 320 px inside an iframe: nothing wider than the frame.
    width = page.locator("html").evaluate("e => e.scrollWidth")
    assert width <= 320

    page.get_by_label("This is my own work, made for this task.").check()
    page.get_by_role("button", name="Submit attempt 1").click()
    page.get_by_role("heading", name="Attempt 1: submitted").wait_for()
    assert context.cookies() == []

    with top.expect_download() as download_info:
        page.get_by_role("link", name="Download your receipt").click()
    receipt = download_info.value.path().read_text()

    with app.app_context():
        [artefact] = db.session.scalars(db.select(Artefact)).all()
        assert artefact.capture_mode == "recorded"
        assert artefact.media_type == "audio/webm"
        assert artefact.caption == "A day at the station."
        # Read from Chrome's WebM itself, which names no duration; the
        # browser's own figure stays beside it as a hint.
        assert 2.5 <= artefact.duration_seconds <= 5
        assert abs(artefact.duration_seconds - artefact.duration_hint_seconds) < 1
        assert artefact.size > 1000
        [submission] = db.session.scalars(db.select(Submission)).all()
        assert submission.status == "submitted"
        result = check_receipt(receipt)
    assert result["valid"] and result["all_match"], result
    context.close()


def _draft_open_for_a_take(app, platform, server, browser):
    """A 2-30 s audio task, two takes; the learner's draft open. The page."""
    place_credential(
        app,
        kinds=["recording"],
        media_types=["audio/webm"],
        min_seconds=2,
        max_seconds=30,
        takes=2,
        reveal_prompt_on_record=False,
    )
    learner = launch(app, platform)
    context = browser.new_context()
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{server}/activity/{learner.launch_id}?lt={learner.token}")
    page.get_by_role("button", name="Start", exact=True).click()
    return page


def _keep_a_take_past_the_session(app, platform, server, browser, monkeypatch):
    """Record, keep, and let the session end after the first chunk: the
    page keeps the take on the device. Returns the page."""
    app.config["UPLOAD_CHUNK_BYTES"] = 4096
    page = _draft_open_for_a_take(app, platform, server, browser)
    page.get_by_role("button", name="Start recording").click()
    page.get_by_role("button", name="Stop").and_(page.locator(":enabled")).wait_for()
    page.wait_for_timeout(3300)
    page.get_by_role("button", name="Stop").click()

    # The session ends after the first chunk arrived.
    sent = []

    def end_session_after_first_chunk(route):
        if route.request.method == "PUT":
            sent.append(route.request.url)
            if len(sent) == 2:
                expire_launch_tokens(monkeypatch, app)
        route.continue_()

    page.route(lambda url: "/uploads/" in url, end_session_after_first_chunk)
    keep = page.get_by_role("button", name="Keep this take")
    keep.and_(page.locator(":enabled")).wait_for()
    keep.click()
    status = page.locator("#status")
    status.get_by_text("Your session in the course has ended").wait_for()
    assert "Your recording is kept on this device" in status.inner_text()
    assert len(sent) == 2
    with app.app_context():
        [upload] = db.session.scalars(db.select(Upload)).all()
        assert (upload.received, upload.status) == (4096, "open")
        assert db.session.scalars(db.select(Artefact)).all() == []
        [submission] = db.session.scalars(db.select(Submission)).all()
        assert (submission.status, submission.takes_used) == ("draft", 0)

    return page


def test_a_take_survives_a_session_that_ends_mid_upload(
    app, platform, server, browser, monkeypatch
):
    page = _keep_a_take_past_the_session(app, platform, server, browser, monkeypatch)

    # Opened again from the course: the same browser offers the kept take.
    page.unroute_all()
    again = launch(app, platform)
    page.goto(f"{server}/activity/{again.launch_id}?lt={again.token}")
    offer = page.locator("#rec-resume")
    offer.get_by_text("You have an unfinished recording from").wait_for()
    offer.get_by_role("button", name="Resume upload").click()
    page.locator(".pieces li").first.wait_for(timeout=30_000)
    assert "recorded in Pathmark" in page.locator(".pieces").inner_text()
    assert page.locator("#rec-resume").is_hidden()

    page.get_by_label("This is my own work, made for this task.").check()
    page.get_by_role("button", name="Submit attempt 1").click()
    page.get_by_role("heading", name="Attempt 1: submitted").wait_for()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download your receipt").click()
    receipt = download_info.value.path().read_text()

    with app.app_context():
        [artefact] = db.session.scalars(db.select(Artefact)).all()
        assert artefact.capture_mode == "recorded"
        assert 2.5 <= artefact.duration_seconds <= 5
        [upload] = db.session.scalars(db.select(Upload)).all()
        assert (upload.status, upload.artefact_id) == ("done", artefact.id)
        result = check_receipt(receipt)
    assert result["valid"] and result["all_match"], result
    page.context.close()


def test_a_kept_take_the_attempt_can_no_longer_take_is_not_offered_again(
    app, platform, server, browser, monkeypatch
):
    page = _keep_a_take_past_the_session(app, platform, server, browser, monkeypatch)
    page.unroute_all()
    again = launch(app, platform)
    # Meanwhile the attempt used its last take (answered as the server does).
    refused = '{"error": "no_takes_left", "message": "No takes are left."}'
    page.route(
        lambda url: "/uploads" in url,
        lambda route: route.fulfill(
            status=409, content_type="application/json", body=refused
        ),
    )
    page.goto(f"{server}/activity/{again.launch_id}?lt={again.token}")
    offer = page.locator("#rec-resume")
    offer.get_by_role("button", name="Resume upload").click()
    page.locator("#status").get_by_text(
        "The unfinished recording was removed"
    ).wait_for()
    assert offer.is_hidden()
    page.reload()
    page.wait_for_load_state("load")
    offer.wait_for(state="attached")
    page.wait_for_timeout(1000)  # the offer, if any, comes from IndexedDB
    assert offer.is_hidden()
    page.context.close()


def test_a_finish_answered_busy_is_tried_again(app, platform, server, browser):
    """A late copy of a chunk can hold the upload for a moment; the page waits."""
    place_credential(
        app, kinds=["recording"], media_types=["audio/webm"], min_seconds=1, takes=2
    )
    learner = launch(app, platform)
    context = browser.new_context()
    page = context.new_page()
    finishes = []

    def busy_once(route):
        finishes.append(route.request.url)
        if len(finishes) == 1:
            route.fulfill(
                status=409,
                content_type="application/json",
                body='{"error": "busy", "message": "A part is still arriving."}',
            )
        else:
            route.continue_()

    page.route("**/finish?*", busy_once)
    page.goto(f"{server}/activity/{learner.launch_id}?lt={learner.token}")
    page.get_by_role("button", name="Start", exact=True).click()
    page.get_by_role("button", name="Start recording").click()
    page.wait_for_timeout(1500)
    page.get_by_role("button", name="Stop").click()
    keep = page.get_by_role("button", name="Keep this take")
    keep.and_(page.locator(":enabled")).wait_for()
    keep.click()
    page.locator(".pieces li").first.wait_for(timeout=20_000)
    assert len(finishes) == 2
    with app.app_context():
        assert len(db.session.scalars(db.select(Artefact)).all()) == 1
    context.close()


def test_a_framed_page_that_cannot_keep_the_take_offers_it_as_a_file(
    app, platform, server, browser, lms_page, monkeypatch
):
    # Framed by the LMS with third-party cookies blocked, chromium refuses
    # the frame its IndexedDB: the take cannot wait on the device, so the
    # page must not say it does, and hands the learner the file instead.
    app.config["UPLOAD_CHUNK_BYTES"] = 4096
    place_credential(
        app,
        kinds=["recording", "upload"],
        media_types=["audio/webm"],
        min_seconds=2,
        max_seconds=30,
        reveal_prompt_on_record=False,
    )
    lms_origin, frame = lms_page
    learner = launch(
        app,
        platform,
        claims={Claim.LAUNCH_PRESENTATION: {"return_url": f"{lms_origin}/course"}},
    )
    frame["src"] = f"{server}/activity/{learner.launch_id}?lt={learner.token}"
    context = browser.new_context(viewport={"width": 320, "height": 900})
    context.set_default_timeout(15_000)
    top = context.new_page()
    top.goto(f"{lms_origin}/course")
    page = top.frame_locator("#tool")
    page.get_by_role("button", name="Start", exact=True).click()
    page.get_by_role("button", name="Start recording").click()
    page.get_by_role("button", name="Stop").and_(page.locator(":enabled")).wait_for()
    top.wait_for_timeout(3300)
    page.get_by_role("button", name="Stop").click()

    def end_session_after_first_chunk(route):
        if route.request.method == "PUT":
            expire_launch_tokens(monkeypatch, app)
        route.continue_()

    top.route(lambda url: "/uploads/" in url, end_session_after_first_chunk)
    keep = page.get_by_role("button", name="Keep this take")
    keep.and_(page.locator(":enabled")).wait_for()
    keep.click()
    status = page.locator("#status")
    status.get_by_text("Your session in the course has ended").wait_for()
    assert "does not let Pathmark keep the recording" in status.inner_text()
    assert "kept on this device" not in status.inner_text()
    save = page.get_by_role("link", name="Save the recording to this device")
    assert save.is_visible()
    assert save.get_attribute("download") == "recording.webm"
    assert save.get_attribute("href").startswith("blob:")
    context.close()


def test_recording_by_keyboard_alone_shows_no_empty_player(
    app, platform, server, browser
):
    place_credential(
        app,
        kinds=["recording"],
        media_types=["audio/webm"],
        min_seconds=2,
        max_seconds=30,
        reveal_prompt_on_record=False,
    )
    learner = launch(app, platform)
    context = browser.new_context(viewport={"width": 320, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{server}/activity/{learner.launch_id}?lt={learner.token}")
    page.get_by_role("button", name="Start", exact=True).click()
    # An audio task shows no video player before anything was recorded.
    assert page.locator("#rec-preview-video").is_hidden()
    assert page.locator("#rec-preview").is_hidden()

    page.get_by_role("button", name="Start recording").focus()
    page.keyboard.press("Enter")
    stop = page.get_by_role("button", name="Stop")
    stop.and_(page.locator(":enabled")).wait_for()
    assert page.evaluate("document.activeElement.id") == "rec-stop"
    page.wait_for_timeout(2500)
    page.keyboard.press("Enter")
    keep = page.get_by_role("button", name="Keep this take")
    keep.and_(page.locator(":enabled")).wait_for()
    # Stop is disabled once pressed; focus moves on to keeping the take.
    assert page.evaluate("document.activeElement.id") == "rec-keep"
    assert page.locator("#rec-preview").is_visible()
    assert page.locator("#rec-preview-video").is_hidden()
    context.close()


def test_a_file_upload_after_the_session_ended_does_not_promise_to_resume(
    app, platform, server, browser, monkeypatch, tmp_path
):
    from tests import media_samples

    place_credential(app, kinds=["upload"], media_types=["application/pdf"])
    learner = launch(app, platform)
    context = browser.new_context()
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{server}/activity/{learner.launch_id}?lt={learner.token}")
    page.get_by_role("button", name="Start", exact=True).click()
    pdf = tmp_path / "portfolio.pdf"
    pdf.write_bytes(media_samples.pdf())
    page.locator("#upload-file").set_input_files(str(pdf))
    expire_launch_tokens(monkeypatch, app)
    page.get_by_role("button", name="Upload").click()
    status = page.locator("#status")
    status.get_by_text("open the activity again").wait_for()
    assert "will continue" not in status.inner_text()
    with app.app_context():
        assert db.session.scalars(db.select(Artefact)).all() == []
    context.close()


def test_a_take_sent_after_the_first_token_lapsed_uses_the_renewed_one(
    app, platform, server, browser, monkeypatch
):
    """The recorder's requests renew the session; keeping the take later
    sends it, and reloads the page, with the renewed token."""
    from itsdangerous.timed import TimestampSigner

    real = TimestampSigner.get_timestamp
    clock = {"ahead": 0}
    monkeypatch.setattr(
        TimestampSigner, "get_timestamp", lambda self: real(self) + clock["ahead"]
    )
    page = _draft_open_for_a_take(app, platform, server, browser)
    page.get_by_role("button", name="Start recording").wait_for()
    idle = app.config["LAUNCH_TOKEN_MAX_AGE"]
    # Nearly idle too long when the recorder starts: its ticket request
    # comes back with a renewed token.
    clock["ahead"] = idle - 30
    with page.expect_response(lambda r: "recording-ticket" in r.url) as ticket:
        page.get_by_role("button", name="Start recording").click()
    assert ticket.value.headers.get("pathmark-launch-token")
    page.get_by_role("button", name="Stop").and_(page.locator(":enabled")).wait_for()
    page.wait_for_timeout(3300)
    page.get_by_role("button", name="Stop").click()
    # Now the page's own token has lapsed; the renewed one has not.
    clock["ahead"] = idle + 60
    keep = page.get_by_role("button", name="Keep this take")
    keep.and_(page.locator(":enabled")).wait_for()
    keep.click()
    page.locator(".pieces li").first.wait_for(timeout=30_000)
    assert "recorded in Pathmark" in page.locator(".pieces").inner_text()
    with app.app_context():
        [artefact] = db.session.scalars(db.select(Artefact)).all()
        assert artefact.capture_mode == "recorded"
    page.context.close()
