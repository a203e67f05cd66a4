"""Ids, offsets and page numbers typed into forms: refused or ignored, never a 500.

``str.isdigit`` admits digits such as "²" that ``int`` cannot read, and a
number may be larger than the database stores; both once broke the page.
"""

from __future__ import annotations

import pytest

from tests import media_samples as media
from tests.evidence_helpers import JSON_HEADERS
from tests.unit.test_assessment_pages import course  # noqa: F401
from tests.unit.test_uploads_resumable import _begin, _put, learner  # noqa: F401

SUPERSCRIPT = "²"
TOO_BIG = "9" * 25


@pytest.mark.parametrize(
    "item",
    [f"{SUPERSCRIPT}:1", f"1:{SUPERSCRIPT}", f"{TOO_BIG}:1", f"1:{TOO_BIG}"],
)
def test_batch_release_refuses_an_unreadable_item(course, item):  # noqa: F811
    teacher = course["teacher"]
    page = teacher.post(f"/assess/{teacher.id}/release", {"item": [item]})
    assert page.status_code == 200
    assert 'data-released="0"' in page.get_data(as_text=True)


@pytest.mark.parametrize("value", [SUPERSCRIPT, TOO_BIG])
def test_calibration_refuses_an_unreadable_submission(course, value):  # noqa: F811
    teacher = course["teacher"]
    page = teacher.post(
        f"/assess/{teacher.id}/calibration/items", {"submission": value}
    )
    assert page.status_code == 404
    assert "There is no such submission." in page.get_data(as_text=True)


@pytest.mark.parametrize("value", [SUPERSCRIPT, TOO_BIG])
def test_guide_ignores_an_unreadable_submission(course, value):  # noqa: F811
    teacher = course["teacher"]
    page = teacher.get(f"/assess/{teacher.id}/guide", submission=value)
    assert page.status_code == 200


@pytest.mark.parametrize("value", [SUPERSCRIPT, "0", "-1", TOO_BIG])
def test_queue_shows_the_first_page_for_an_unreadable_number(
    course,  # noqa: F811
    value,
):
    teacher = course["teacher"]
    page = teacher.get(f"/assess/{teacher.id}/queue", **{"page-to_assess": value})
    assert page.status_code == 200


@pytest.mark.parametrize("value", [SUPERSCRIPT, TOO_BIG])
@pytest.mark.parametrize("path", ["prompt", "recording-ticket"])
def test_a_learner_request_naming_no_readable_attempt_is_refused(
    learner,  # noqa: F811
    path,
    value,
):
    answer = learner.client.post(
        learner.url(path, submission=value), headers=JSON_HEADERS
    )
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "no_attempt"


@pytest.mark.parametrize("value", [SUPERSCRIPT, TOO_BIG])
def test_submitting_an_unreadable_attempt_is_not_found(learner, value):  # noqa: F811
    answer = learner.client.post(
        learner.url("submit"),
        data={"submission": value, "submit_key": "k" * 20, "own_work": "yes"},
        headers=JSON_HEADERS,
    )
    assert answer.status_code == 404


@pytest.mark.parametrize("offset", [SUPERSCRIPT, TOO_BIG])
def test_a_chunk_with_an_unreadable_offset_is_refused(learner, offset):  # noqa: F811
    upload_id = _begin(learner).get_json()["id"]
    answer = _put(learner, upload_id, offset, media.webm(100))
    assert answer.status_code < 500
    assert answer.get_json()["error"] in {"no_offset", "out_of_order"}
