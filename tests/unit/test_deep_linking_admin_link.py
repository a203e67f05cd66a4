"""Deep Linking launches show LMS administrators the same link to Pathmark's
administration as resource link launches do, and nobody else."""

from __future__ import annotations

from lti_tool.vocab import ContextRole
from tests import launches
from tests.unit.test_admin_entry import LINK_TEXT, admin_link
from tests.unit.test_picker import dl_claims

SITE_ADMIN = launches.ADMIN


def open_picker(platform, client, *roles: str):
    launch_id, token = launches.launch_as(platform, client, *roles, **dl_claims())
    cookieless = client.application.test_client(use_cookies=False)
    page = cookieless.get(f"/deep-linking/{launch_id}?lt={token}")
    return page.get_data(as_text=True), page.status_code


def test_a_teaching_administrator_sees_the_picker_and_the_link(app, platform, client):
    html, status = open_picker(
        platform, client, ContextRole.INSTRUCTOR.value, SITE_ADMIN
    )
    assert status == 200
    assert "Add a micro-credential to your course" in html
    window = app.test_client()  # the link opens a new, first-party window
    opened = window.get(admin_link(html))
    assert opened.status_code == 303
    assert opened.headers["Location"] == "/admin/"


def test_the_picker_refusing_a_choice_still_shows_the_link(app, platform, client):
    launch_id, token = launches.launch_as(
        platform, client, ContextRole.INSTRUCTOR.value, SITE_ADMIN, **dl_claims()
    )
    cookieless = app.test_client(use_cookies=False)
    page = cookieless.post(f"/deep-linking/{launch_id}", data={"lt": token})
    assert page.status_code == 400
    assert LINK_TEXT in page.get_data(as_text=True)


def test_an_administrator_outside_the_course_gets_the_link(app, platform, client):
    html, status = open_picker(platform, client, SITE_ADMIN)
    assert status == 200
    assert "Pathmark needs your course role" in html
    assert 'name="credential"' not in html
    opened = app.test_client().get(admin_link(html))
    assert opened.status_code == 303


def test_teachers_see_no_link(platform, client):
    html, status = open_picker(platform, client, ContextRole.INSTRUCTOR.value)
    assert status == 200
    assert LINK_TEXT not in html


def test_learners_are_still_refused(platform, client):
    html, status = open_picker(platform, client, ContextRole.LEARNER.value)
    assert status == 403
    assert LINK_TEXT not in html
