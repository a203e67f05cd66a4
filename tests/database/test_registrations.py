"""Registrations by (issuer, client_id), deployments, and stored launch rows."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lti_tool.cli import main
from lti_tool.db import db
from lti_tool.models import (
    Course,
    Deployment,
    Launch,
    LaunchRefusal,
    Membership,
    Person,
    Registration,
    ResourceLink,
)
from lti_tool.registration import DatabaseToolConf, RegistrationError
from lti_tool.vocab import Claim, ContextRole
from tests.platform_fake import DEPLOYMENT_ID, ISSUER, JWKS_URL, FakePlatform

SECOND_CLIENT = "second-client"


@pytest.fixture
def sibling(app, platform):
    """A second registration on the same issuer (as Canvas tenants share one)."""
    other = FakePlatform(app, client_id=SECOND_CLIENT)
    # One platform, one key set: both clients are signed by the same keys.
    other.key = platform.key
    other.published = platform.published
    other.register()
    return other


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_launch_uses_the_registration_of_its_client_id(client, app, platform, sibling):
    first, _, _ = platform.launch(client)
    second, _, _ = sibling.launch(client)
    assert (first.status_code, second.status_code) == (303, 303)
    with app.app_context():
        clients = [
            launch.registration.client_id
            for launch in db.session.scalars(sa.select(Launch).order_by(Launch.id))
        ]
        assert sorted(clients) == sorted([platform.client_id, SECOND_CLIENT])
        # Same sub under two registrations: two people, two courses.
        assert _count(Person) == 2
        assert _count(Course) == 2


def test_known_issuer_with_unknown_client_is_refused(client, app, platform, sibling):
    response, _, _ = platform.launch(client, aud="third-client")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "unknown_registration" in html
    assert "third-client" in html
    with app.app_context():
        assert _count(Launch) == 0


def test_state_of_one_client_cannot_launch_another(client, platform, sibling):
    auth = platform.login(client)
    token = sibling.sign(sibling.claims(auth["nonce"]))
    response = client.post(
        "/lti/launch", data={"id_token": token, "state": auth["state"]}
    )
    assert response.status_code == 403
    assert "unknown_state" in response.get_data(as_text=True)


def test_login_without_client_id_is_ambiguous_when_issuer_is_shared(
    client, platform, sibling
):
    response = client.get(
        "/lti/login", query_string={"iss": ISSUER, "login_hint": "user-1"}
    )
    assert response.status_code == 400
    assert "ambiguous_registration" in response.get_data(as_text=True)


def test_login_without_client_id_works_for_a_lone_registration(client, platform):
    response = client.get(
        "/lti/login", query_string={"iss": ISSUER, "login_hint": "user-1"}
    )
    assert response.status_code == 302
    assert f"client_id={platform.client_id}" in response.headers["Location"]


def test_tool_conf_never_looks_up_by_issuer_alone(app, platform, sibling):
    with app.app_context():
        conf = DatabaseToolConf(app.extensions["pathmark"].keyring)
        assert conf.check_iss_has_one_client(ISSUER) is False
        with pytest.raises(RegistrationError):
            conf.find_registration_by_issuer(ISSUER)
        found = conf.find_registration_by_params(ISSUER, SECOND_CLIENT)
        assert found.get_client_id() == SECOND_CLIENT
        assert conf.find_registration_by_params(ISSUER, "nobody") is None
        dep = conf.find_deployment_by_params(ISSUER, DEPLOYMENT_ID, SECOND_CLIENT)
        assert dep.get_deployment_id() == DEPLOYMENT_ID
        assert conf.find_deployment_by_params(ISSUER, DEPLOYMENT_ID, "nobody") is None


def test_several_deployments_under_one_registration(client, app):
    platform = FakePlatform(app)
    platform.register(deployments=("east", "west"))
    for deployment in ("east", "west", "east"):
        response, _, _ = platform.launch(client, **{Claim.DEPLOYMENT_ID: deployment})
        assert response.status_code == 303
    with app.app_context():
        assert _count(Registration) == 1
        launches = db.session.scalars(sa.select(Launch)).all()
        assert sorted(launch.deployment.deployment_id for launch in launches) == [
            "east",
            "east",
            "west",
        ]
        # The same link id placed through two deployments is two placements.
        links = db.session.scalars(sa.select(ResourceLink)).all()
        assert len(links) == 2
        by_id = {
            d.id: d.deployment_id for d in db.session.scalars(sa.select(Deployment))
        }
        assert {by_id[link.deployment_id] for link in links} == {"east", "west"}
        assert _count(Course) == 1


def test_unknown_deployment_is_refused_by_default(client, app, platform):
    response, _, _ = platform.launch(client, **{Claim.DEPLOYMENT_ID: "dep-9"})
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "unknown_deployment" in html
    assert "dep-9" in html
    with app.app_context():
        assert [d.deployment_id for d in db.session.scalars(sa.select(Deployment))] == [
            DEPLOYMENT_ID
        ]
        refusal = db.session.scalars(sa.select(LaunchRefusal)).one()
        assert (refusal.reason, refusal.deployment_id) == (
            "unknown_deployment",
            "dep-9",
        )
        assert _count(Launch) == 0


def test_pending_deployment_is_recorded_once_then_approved(settings, client, app):
    app.extensions["pathmark"].policy = type(app.extensions["pathmark"].policy)(
        leeway=app.extensions["pathmark"].policy.leeway,
        state_max_age=app.extensions["pathmark"].policy.state_max_age,
        unknown_deployment="pending",
    )
    platform = FakePlatform(app)
    platform.register()
    for _ in range(2):
        response, _, _ = platform.launch(client, **{Claim.DEPLOYMENT_ID: "dep-9"})
        assert response.status_code == 403
        assert "pending_deployment" in response.get_data(as_text=True)
    with app.app_context():
        statuses = {
            d.deployment_id: d.status for d in db.session.scalars(sa.select(Deployment))
        }
        assert statuses == {DEPLOYMENT_ID: "active", "dep-9": "pending"}

    approved = app.test_cli_runner().invoke(
        main,
        [
            "platform", "add", "--issuer", ISSUER, "--client-id", platform.client_id,
            "--auth-url", f"{ISSUER}/auth", "--token-url", f"{ISSUER}/token",
            "--jwks-url", JWKS_URL, "--deployment-id", "dep-9",
        ],
    )  # fmt: skip
    assert approved.exit_code == 0, approved.output
    response, _, _ = platform.launch(client, **{Claim.DEPLOYMENT_ID: "dep-9"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Deployment, 2).status == "active"


def test_repeated_launches_update_rows_in_place(client, app, platform):
    platform.launch(client)
    platform.launch(client)
    platform.launch(
        client,
        name="Ana Ł.",
        **{
            Claim.ROLES: [ContextRole.INSTRUCTOR.value],
            Claim.CONTEXT: {"id": "course-1", "title": "English A2+", "label": "EN"},
            Claim.RESOURCE_LINK: {"id": "link-1", "title": "Introduce yourself!"},
        },
    )
    with app.app_context():
        assert _count(Launch) == 3
        person = db.session.scalars(sa.select(Person)).one()
        course = db.session.scalars(sa.select(Course)).one()
        membership = db.session.scalars(sa.select(Membership)).one()
        link = db.session.scalars(sa.select(ResourceLink)).one()
        assert person.name == "Ana Ł."
        assert course.title == "English A2+"
        assert membership.course_role == "staff"
        assert membership.roles == [ContextRole.INSTRUCTOR.value]
        assert link.title == "Introduce yourself!"


def test_a_person_in_two_courses_is_one_person(client, app, platform):
    platform.launch(client)
    platform.launch(
        client,
        **{
            Claim.CONTEXT: {"id": "course-2", "title": "English B1"},
            Claim.RESOURCE_LINK: {"id": "link-2"},
        },
    )
    with app.app_context():
        assert _count(Person) == 1
        assert _count(Course) == 2
        assert _count(Membership) == 2
        assert _count(ResourceLink) == 2
