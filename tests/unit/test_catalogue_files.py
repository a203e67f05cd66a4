"""Catalogue files: the shipped example, and every kind of bad input."""

from __future__ import annotations

import copy

from lti_tool.catalogue_files import read, read_text
from lti_tool.catalogue_io import example_catalogue_dir
from lti_tool.catalogue_validation import schema
from tests.catalogue_fixtures import document, dump, line_of, pathway, write
from tests.credential_factory import criterion_data, definition_data


def problems_of(doc_or_text, name="cat.yaml") -> list[str]:
    text = doc_or_text if isinstance(doc_or_text, str) else dump(doc_or_text)
    return [str(p) for p in read_text(text, name).problems]


def test_example_catalogue_is_complete_and_valid():
    found = read([example_catalogue_dir()])
    assert found.ok, [str(p) for p in found.problems]
    assert len(found.credentials) == 8
    assert {e.data["key"] for e in found.pathways} == {
        "everyday-speaker",
        "confident-communicator",
        "workplace-communicator",
    }
    for entry in found.credentials:
        data = entry.data
        assert data["mastery"] == {"kind": "all_at_least", "level": 3}
        assert data["moderation"]["mode"] == "every_mastery"
        assert data["eu"]["eqf_level"] == "not referenced"
        assert data["alignments"][0]["framework"] == "CEFR"
        criteria = data["rubric"]["criteria"]
        assert len(criteria) == 4
        for criterion in criteria:
            assert [lv["level"] for lv in criterion["levels"]] == [1, 2, 3, 4]
            assert all(
                set(lv["feedback"]) == {"strength", "next_step", "practice"}
                for lv in criterion["levels"]
            )


def test_example_pathways_stack_the_credentials():
    found = read([example_catalogue_dir()])
    by_key = {e.data["key"]: e.data for e in found.pathways}
    assert by_key["everyday-speaker"]["credentials"] == [
        "introduce-yourself",
        "buy-book-return",
    ]
    assert by_key["confident-communicator"]["prerequisites"] == ["everyday-speaker"]
    assert len(by_key["workplace-communicator"]["credentials"]) == 3


def test_the_schema_is_a_valid_draft_2020_12_schema():
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(schema())


def test_a_valid_document_has_no_problems():
    assert problems_of(document(pathways=[pathway()])) == []


def test_invalid_yaml_names_file_and_line():
    text = "pathmark_catalogue: 1\ncredentials:\n  - key: [unclosed\n"
    (problem,) = problems_of(text, "broken.yaml")
    assert problem.startswith("broken.yaml:")
    assert "not valid YAML" in problem


def test_aliases_are_refused_with_their_line():
    looping = "pathmark_catalogue: 1\ncredentials: &a [*a]\n"
    (problem,) = problems_of(looping, "loop.yaml")
    assert problem.startswith("loop.yaml:2:") and "aliases" in problem
    levels = ["x: &l0 [a, a]"] + [
        f"l{n}: &l{n} [*l{n - 1}, *l{n - 1}]" for n in range(1, 30)
    ]
    (problem,) = problems_of("\n".join(levels) + "\n", "bomb.yaml")
    assert "aliases" in problem


def test_empty_file_is_refused():
    assert problems_of("# nothing here\n") == ["cat.yaml:1: (top): the file is empty"]


def test_key_given_twice_in_a_mapping_is_refused():
    text = dump(document())
    text = text.replace("title: Tell me", "title: First\n  title: Tell me", 1)
    (problem,) = problems_of(text)
    line = line_of(text, "title: Tell me")
    assert problem == (f"cat.yaml:{line}: credentials.0.title: this key is given twice")


def test_unknown_field_names_line_and_allowed_fields():
    doc = document([definition_data(colour="blue")])
    text = dump(doc)
    (problem,) = problems_of(text)
    assert problem.startswith(f"cat.yaml:{line_of(text, 'colour:')}: ")
    assert "credentials.0.colour: unknown field (allowed here:" in problem


def test_missing_required_field():
    data = definition_data()
    del data["outcome"]
    (problem,) = problems_of(document([data]))
    assert "credentials.0.outcome: this field is required" in problem


def test_wrong_type_is_named():
    data = definition_data()
    data["rubric"]["criteria"][0]["levels"][0]["points"] = "lots"
    (problem,) = problems_of(document([data]))
    assert "rubric.criteria.0.levels.0.points: must be a number, not text" in problem


def test_file_without_format_marker():
    problems = problems_of({"credentials": [definition_data()]})
    assert any("pathmark_catalogue: this field is required" in p for p in problems)


def test_bad_key_spelling():
    (problem,) = problems_of(document([definition_data(key="Tell Me")]))
    assert "credentials.0.key: use lower-case letters" in problem


def test_two_levels_only_is_refused():
    data = definition_data()
    data["rubric"]["criteria"][0]["levels"] = data["rubric"]["criteria"][0]["levels"][
        :2
    ]
    (problem,) = problems_of(document([data]))
    assert "rubric.criteria.0.levels: needs at least 3 item(s)" in problem


def test_duplicate_criterion_ids():
    data = definition_data()
    data["rubric"]["criteria"][1]["id"] = "coherence"
    (problem,) = problems_of(document([data]))
    assert "rubric.criteria.1.id: criterion id 'coherence' is already used" in problem


def test_unordered_level_numbers():
    data = definition_data()
    levels = data["rubric"]["criteria"][2]["levels"]
    levels[0], levels[1] = levels[1], levels[0]
    (problem,) = problems_of(document([data]))
    assert "rubric.criteria.2.levels: levels must be numbered 1, 2, 3, 4" in problem


def test_points_that_do_not_rise():
    data = definition_data()
    data["rubric"]["criteria"][0]["levels"][3]["points"] = 2
    (problem,) = problems_of(document([data]))
    assert "levels.3.points: level 4 must be worth more points than level 3" in (
        problem
    )


def test_rubric_maximum_of_zero():
    data = definition_data()
    data["rubric"]["criteria"] = [criterion_data("only", "Only", levels=3)]
    for level in data["rubric"]["criteria"][0]["levels"]:
        level["points"] = 0
    (problem,) = problems_of(document([data]))
    assert "credentials.0.rubric: the rubric maximum is 0" in problem


def test_mastery_no_assessment_can_reach():
    data = definition_data()
    data["rubric"]["criteria"][0] = criterion_data("coherence", "Coherence", 3)
    data["mastery"] = {"kind": "all_at_least", "level": 4}
    (problem,) = problems_of(document([data]))
    assert "credentials.0.mastery: no assessment can reach mastery" in problem


def test_total_rule_above_the_maximum():
    data = definition_data(
        mastery={"kind": "total_at_least", "level": 3, "min_total": 17}
    )
    (problem,) = problems_of(document([data]))
    assert "min_total 17 is above the rubric maximum 16" in problem


def test_total_rule_without_min_total():
    data = definition_data(mastery={"kind": "total_at_least", "level": 3})
    (problem,) = problems_of(document([data]))
    assert "mastery.min_total: this field is required" in problem


def test_total_fields_on_an_all_rule():
    data = definition_data(
        mastery={"kind": "all_at_least", "level": 3, "floor_level": 2}
    )
    (problem,) = problems_of(document([data]))
    assert "mastery.floor_level: only rules of kind total_at_least" in problem


def test_sample_moderation_needs_a_share():
    data = definition_data(moderation={"mode": "sample", "sample_share": 0})
    (problem,) = problems_of(document([data]))
    assert "moderation.sample_share: must be above 0" in problem


def test_evidence_limits_the_wrong_way_round():
    data = definition_data()
    data["evidence"]["min_seconds"] = 200
    (problem,) = problems_of(document([data]))
    assert "evidence.min_seconds: is above max_seconds" in problem


def test_unknown_evidence_kind():
    data = definition_data()
    data["evidence"]["kinds"] = ["telepathy"]
    (problem,) = problems_of(document([data]))
    assert "evidence.kinds.0: must be one of: recording, upload, text, link" in (
        problem
    )


def test_pathway_that_contains_itself():
    doc = document(
        pathways=[pathway(credentials=["tell-what-happened", "storyteller"])]
    )
    (problem,) = problems_of(doc)
    assert "pathways.0.credentials.1: a pathway cannot contain itself" in problem


def test_pathway_that_requires_itself():
    (problem,) = problems_of(
        document(pathways=[pathway(prerequisites=["storyteller"])])
    )
    assert "pathways.0.prerequisites.0: a pathway cannot require itself" in problem


def test_pathway_naming_a_missing_credential(tmp_path):
    path = write(
        tmp_path, "p.yaml", document(pathways=[pathway(credentials=["ghost"])])
    )
    found = read([path])
    (problem,) = [str(p) for p in found.problems]
    text = path.read_text()
    assert problem == (
        f"{path}:{line_of(text, '- ghost')}: pathways.0.credentials.0: "
        "no credential has the key 'ghost'"
    )


def test_pathway_may_name_a_stored_credential(tmp_path):
    path = write(
        tmp_path,
        "p.yaml",
        {"pathmark_catalogue": 1, "pathways": [pathway(credentials=["stored-one"])]},
    )
    assert not read([path], known_credentials={"stored-one"}).problems


def test_prerequisite_cycle_across_pathways(tmp_path):
    doc = document(
        pathways=[
            pathway(key="a", prerequisites=["b"]),
            pathway(key="b", prerequisites=["c"]),
            pathway(key="c", prerequisites=["a"]),
        ]
    )
    found = read([write(tmp_path, "p.yaml", doc)])
    messages = [str(p) for p in found.problems]
    assert any("go round in a circle: a -> b -> c -> a" in m for m in messages)


def test_unknown_prerequisite(tmp_path):
    doc = document(pathways=[pathway(prerequisites=["nowhere"])])
    found = read([write(tmp_path, "p.yaml", doc)])
    (problem,) = [str(p) for p in found.problems]
    assert "no credential or pathway has the key 'nowhere'" in problem


def test_milestone_outside_the_pathway():
    milestone = {"id": "half", "title": "Half", "credentials": ["elsewhere"]}
    (problem,) = problems_of(document(pathways=[pathway(milestones=[milestone])]))
    assert "milestones.0.credentials.0: 'elsewhere' is not one of this" in problem


def test_pathway_asking_for_more_than_it_lists():
    (problem,) = problems_of(document(pathways=[pathway(required=3)]))
    assert "pathways.0.required: asks for 3 of only 1 credentials" in problem


def test_duplicate_credential_keys_across_files(tmp_path):
    first = write(tmp_path, "a.yaml", document())
    second = write(tmp_path, "b.yaml", document())
    found = read([tmp_path])
    (problem,) = [str(p) for p in found.problems]
    assert problem.startswith(f"{second}:")
    assert f"credential 'tell-what-happened' is already defined at {first}:" in (
        problem
    )


def test_folder_without_yaml(tmp_path):
    found = read([tmp_path])
    assert [p.problem.message for p in found.problems] == ["no YAML files"]


def test_missing_file_is_named(tmp_path):
    found = read([tmp_path / "absent.yaml"])
    (problem,) = [str(p) for p in found.problems]
    assert problem.startswith(f"{tmp_path / 'absent.yaml'}: (top): cannot read")


def test_every_problem_is_reported_not_just_the_first():
    data = definition_data(colour="blue", shade="red")
    other = copy.deepcopy(data)
    other["key"] = "other"
    assert len(problems_of(document([data, other]))) == 4


def test_a_credential_that_is_not_a_mapping():
    (problem,) = problems_of({"pathmark_catalogue": 1, "credentials": ["just text"]})
    assert "credentials.0: must be a mapping, not text" in problem


def test_credentials_that_are_not_a_list():
    (problem,) = problems_of({"pathmark_catalogue": 1, "credentials": {"a": 1}})
    assert "credentials: must be a list, not a mapping" in problem
