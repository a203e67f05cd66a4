"""Pathmark inside the sandbox course page, in real chromium, cross-site.

The sandbox is on http://127.0.0.1, Pathmark on http://localhost: two
sites, so the launch runs in a third-party iframe as it does in an LMS.
"""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the chromium_path fixture skips and says why
    PlaywrightTimeout = TimeoutError

TOOL_VIEW = "[data-view], .notice, #error-title"


def open_activity(page, stack, role: str, storage: bool = True):
    """Sign in to the sandbox as ``role`` and open a fresh activity."""
    link = stack.lms.add_link(f"Browser activity for the {role}")
    page.goto(stack.sandbox_url + "/")
    page.select_option("#role", role)
    page.click("#switch")
    if storage != ("offered" in page.inner_text("main")):
        page.click("text=Offer it" if storage else "text=Stop offering it")
    page.click(f"a.activity:text-is('{link.title}')")
    frame = page.frame_locator("#tool-frame")
    try:
        frame.locator(TOOL_VIEW).first.wait_for()
    except PlaywrightTimeout:
        frames = "\n".join(f.url for f in page.frames)
        raise AssertionError(
            f"Pathmark's page never appeared. Frames:\n{frames}\n"
            f"Pathmark's log ends:\n{stack.log_text()[-1500:]}"
        ) from None
    return frame


def launch_binding(stack, page) -> str:
    """How Pathmark tied the launch to this browser, from its log."""
    tool_frame = next(f for f in page.frames if "/activity/" in f.url)
    launch_id = re.search(r"/activity/([^/?]+)", tool_frame.url).group(1)
    line = re.search(rf"event=launch.accepted launch={launch_id} .*", stack.log_text())
    assert line, "Pathmark logged no accepted launch for this page"
    return re.search(r"binding=(\S+)", line.group(0)).group(1)


@pytest.mark.parametrize(
    ("role", "view", "name", "label"),
    [
        ("learner", "learner", "Lena Müller-Øst", "Learner"),
        ("teacher", "staff", "Tomás O'Brien", "Course staff"),
    ],
)
def test_launch_in_the_course_iframe(page, stack, role, view, name, label):
    frame = open_activity(page, stack, role)
    assert frame.locator(f'[data-view="{view}"]').is_visible()
    who = frame.locator(".who").inner_text()
    assert name in who and label in who
    assert "English for Everyday Life" in frame.locator(".course").inner_text()
    assert launch_binding(stack, page) == "cookie"


@pytest.mark.parametrize("role", ["learner", "teacher"])
def test_launch_with_third_party_cookies_blocked(third_party_blocked_page, stack, role):
    page = third_party_blocked_page
    frame = open_activity(page, stack, role)
    view = "learner" if role == "learner" else "staff"
    assert frame.locator(f'[data-view="{view}"]').is_visible()
    # Chrome still keeps Pathmark's Partitioned state cookie for this pair
    # of sites; platform storage would carry the launch otherwise.
    assert launch_binding(stack, page) in {"cookie", "platform_storage"}


def test_cookies_withheld_launch_goes_through_platform_storage(
    cookies_withheld_page, stack
):
    page = cookies_withheld_page
    frame = open_activity(page, stack, "learner", storage=True)
    assert frame.locator('[data-view="learner"]').is_visible()
    assert launch_binding(stack, page) == "platform_storage"


def test_cookies_withheld_without_platform_storage_opens_a_new_window(
    cookies_withheld_page, stack
):
    page = cookies_withheld_page
    frame = open_activity(page, stack, "teacher", storage=False)
    button = frame.locator("text=Open in a new window")
    assert button.is_visible()
    with page.context.expect_page() as opened:
        button.click()
    window = opened.value
    window.locator('[data-view="staff"]').wait_for()
    assert "Tomás O'Brien" in window.locator(".who").inner_text()


def test_teacher_adds_an_activity_then_a_learner_opens_it(page, stack):
    page.goto(stack.sandbox_url + "/")
    page.select_option("#role", "teacher")
    page.click("#switch")
    page.click("#add-activity")
    frame = page.frame_locator("#tool-frame")
    frame.locator("input[name=credential]").first.check()
    frame.get_by_role("button", name="Add to course").click()
    created = frame.locator("#created").inner_text()
    title = created.split(" — ")[0].strip()
    assert "gradebook column" in created

    # The sandbox made the link and its column from Pathmark's signed reply.
    frame.locator("text=Back to the course").click()
    page.select_option("#role", "learner")
    page.click("#switch")
    page.click(f"a.activity:text-is('{title}')")
    tool = page.frame_locator("#tool-frame")
    tool.locator('[data-view="learner"]').wait_for()
    assert title in tool.locator("h1").first.inner_text()
