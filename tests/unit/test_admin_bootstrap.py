"""The first set-up: ``lti-tool init`` prints a one-time way in, once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from lti_tool import create_app
from lti_tool.cli import main
from lti_tool.db import db, utcnow
from lti_tool.models import AdminBootstrap, AdminUser

PASSWORD = "first admin password"
LINK = re.compile(r"(http://localhost/admin/bootstrap\?code=[\w-]+)")


@pytest.fixture
def fresh(settings):
    app = create_app(settings)
    app.config["TESTING"] = True
    yield app
    with app.app_context():
        db.engine.dispose()


def init(app):
    result = app.test_cli_runner().invoke(main, ["init"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def link(fresh):
    output = init(fresh)
    found = LINK.search(output)
    assert found, output
    return found.group(1).removeprefix("http://localhost")


def form_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def create_first(client, link, username="root", password=PASSWORD, confirm=None):
    page = client.get(link)
    assert page.status_code == 200, page.get_data(as_text=True)
    code = link.split("code=", 1)[1]
    return client.post(
        "/admin/bootstrap",
        data={
            "csrf_token": form_token(page.get_data(as_text=True)),
            "code": code,
            "username": username,
            "password": password,
            "confirm": password if confirm is None else confirm,
        },
    )


def test_first_init_prints_the_link_and_repeats_do_not(fresh, link):
    again = init(fresh)
    assert "/admin/bootstrap" not in again
    assert "printed by the first `lti-tool init`" in again
    assert "lti-tool admin create NAME" in again
    with fresh.app_context():
        record = db.session.scalar(db.select(AdminBootstrap))
        code = link.split("code=", 1)[1]
        assert code not in record.code_hash  # only a digest is kept
        assert record.used_at is None


def test_the_link_creates_the_first_admin_and_signs_in(fresh, link):
    client = fresh.test_client()
    created = create_first(client, link)
    assert created.status_code == 303
    assert created.headers["Location"] == "/admin/"
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "Signed in as <strong>root</strong>" in page.get_data(as_text=True)

    # Used up: neither the page nor a second post works, in any browser.
    other = fresh.test_client()
    assert other.get(link).status_code == 410
    assert "already used" in other.get(link).get_data(as_text=True)
    with fresh.app_context():
        assert db.session.scalar(db.select(db.func.count(AdminUser.id))) == 1
    assert "/admin/bootstrap" not in init(fresh)


def test_a_second_post_with_the_same_code_creates_nothing(fresh, link):
    first, second = fresh.test_client(), fresh.test_client()
    page = second.get(link).get_data(as_text=True)
    assert create_first(first, link).status_code == 303
    code = link.split("code=", 1)[1]
    late = second.post(
        "/admin/bootstrap",
        data={
            "csrf_token": form_token(page),
            "code": code,
            "username": "intruder",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert late.status_code == 410
    with fresh.app_context():
        names = db.session.scalars(db.select(AdminUser.username)).all()
    assert names == ["root"]


def test_an_expired_link_is_refused(fresh, link):
    with fresh.app_context():
        record = db.session.scalar(db.select(AdminBootstrap))
        record.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = fresh.test_client().get(link)
    assert response.status_code == 410
    assert "has expired" in response.get_data(as_text=True)


def test_a_wrong_code_is_refused(fresh, link):
    client = fresh.test_client()
    assert client.get("/admin/bootstrap?code=guess").status_code == 403
    assert client.get("/admin/bootstrap").status_code == 403


def test_an_account_made_on_the_server_closes_the_link(fresh, link):
    runner = fresh.test_cli_runner()
    made = runner.invoke(
        main, ["admin", "create", "ops", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert made.exit_code == 0, made.output
    response = fresh.test_client().get(link)
    assert response.status_code == 410
    assert "already has an administrator" in response.get_data(as_text=True)
    assert "No admin account yet" not in init(fresh)


def test_no_link_when_an_admin_exists_before_the_first_init(fresh):
    runner = fresh.test_cli_runner()
    assert init(fresh)  # creates the schema and issues the link
    with fresh.app_context():
        db.session.delete(db.session.get(AdminBootstrap, 1))
        db.session.commit()
    runner.invoke(
        main, ["admin", "create", "ops", "--password-stdin"], input=PASSWORD + "\n"
    )
    output = init(fresh)
    assert "/admin/bootstrap" not in output
    with fresh.app_context():
        assert db.session.get(AdminBootstrap, 1) is None


def test_a_bad_password_leaves_the_code_usable(fresh, link):
    client = fresh.test_client()
    short = create_first(client, link, password="short")
    assert short.status_code == 400
    assert "at least 12 characters" in short.get_data(as_text=True)
    differ = create_first(client, link, confirm="another long password")
    assert differ.status_code == 400
    assert "passwords differ" in differ.get_data(as_text=True)
    assert create_first(client, link).status_code == 303


def test_a_post_without_csrf_token_is_refused(fresh, link):
    client = fresh.test_client()
    code = link.split("code=", 1)[1]
    data = {"code": code, "username": "x", "password": PASSWORD, "confirm": PASSWORD}
    response = client.post("/admin/bootstrap", data=data)
    assert response.status_code == 400
    with fresh.app_context():
        assert db.session.get(AdminBootstrap, 1).used_at is None
