"""A site administrator opens Pathmark's administration from the launch in
the sandbox's cross-site iframe, with third-party cookies blocked: the new
window is first-party, so its session works."""

from __future__ import annotations

from tests.browser.test_course_iframe import open_activity


def test_admin_link_opens_a_first_party_window(third_party_blocked_page, stack):
    page = third_party_blocked_page
    frame = open_activity(page, stack, "site-admin")
    link = frame.locator("[data-admin-link]")
    assert link.get_attribute("target") == "_blank"

    with page.context.expect_page() as opened:
        link.click()
    window = opened.value
    window.wait_for_url(stack.tool_url + "/admin/")
    assert "Sam Admin (administrator of" in window.inner_text("header")
    # A reload keeps the session: its cookie is first-party to Pathmark.
    window.reload()
    assert window.url == stack.tool_url + "/admin/"
    assert window.locator("#regs-title").is_visible()
    window.close()


def test_teacher_sees_no_admin_link(page, stack):
    frame = open_activity(page, stack, "teacher")
    # Wait for the staff page itself: on a loaded machine the frame may
    # still be on the launch's way there.
    frame.locator('[data-view="staff"]').wait_for(timeout=15_000)
    assert frame.locator("[data-admin-link]").count() == 0
