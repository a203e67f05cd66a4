"""The authoring form's values map to catalogue data and back, losslessly."""

from __future__ import annotations

import pytest

from lti_tool import authoring_form
from lti_tool.catalogue import normalised as _normalised
from lti_tool.catalogue_files import read
from lti_tool.catalogue_io import example_catalogue_dir
from tests.credential_factory import definition_data

EXAMPLES = read([example_catalogue_dir()]).credentials


@pytest.mark.parametrize("entry", EXAMPLES, ids=lambda e: e.data["key"])
def test_every_example_round_trips_through_the_form(entry):
    values = authoring_form.values_from_data(_normalised(entry.data))
    data, errors = authoring_form.check(values)
    assert errors == {}
    assert _normalised(data) == _normalised(entry.data)


def test_an_empty_middle_criterion_does_not_shift_error_positions():
    values = authoring_form.values_from_data(_normalised(definition_data()))
    for name in [n for n in values if n.startswith("rubric.criteria.1.")]:
        values[name] = ""
    values["rubric.criteria.2.levels.1.descriptor"] = ""
    _, errors = authoring_form.check(values)
    assert list(errors) == ["rubric.criteria.2.levels.1.descriptor"]


def test_three_level_criterion_from_an_empty_fourth_level():
    values = authoring_form.values_from_data(_normalised(definition_data()))
    for name in [n for n in values if n.startswith("rubric.criteria.0.levels.3.")]:
        values[name] = ""
    data, errors = authoring_form.check(values)
    assert errors == {}
    assert len(data["rubric"]["criteria"][0]["levels"]) == 3


@pytest.mark.parametrize(
    ("name", "typed", "message"),
    [
        ("evidence.takes", "two", "must be a whole number"),
        ("eu.workload_hours", "a lot", "must be a number"),
        ("expiry_days", "1.5", "must be a whole number"),
        ("evidence.max_seconds", "-3", "must be at least 1"),
        ("alignments.0.url", "javascript:alert(1)", "must be empty or an http"),
        ("mastery.kind", "vibes", "must be one of"),
    ],
)
def test_bad_values_are_named_by_field(name, typed, message):
    values = authoring_form.values_from_data(_normalised(definition_data()))
    values[name] = typed
    _, errors = authoring_form.check(values)
    assert any(message in m for m in errors[name]), errors


def test_decimal_comma_is_read():
    values = authoring_form.values_from_data(_normalised(definition_data()))
    values["eu.workload_hours"] = "2,5"
    data, errors = authoring_form.check(values)
    assert errors == {} and data["eu"]["workload_hours"] == 2.5


def test_blank_form_offers_the_common_scale_and_a_spare_row():
    values = authoring_form.blank_values()
    assert authoring_form.criterion_slots(values) == 5
    assert values["rubric.criteria.3.levels.2.label"] == "Secure"
