"""Four-eyes assessment through the sandbox LMS, in chromium, cross-site.

The sandbox (http://127.0.0.1) frames Pathmark (http://localhost): a
teacher places the activity by Deep Linking, a learner hands in a typed
text and a PDF, the teacher scores it in the course-page iframe, a second
teacher verifies and releases it, the learner reads the feedback, and the
sandbox gradebook holds the score Pathmark's grade worker posted (AGS).
"""

from __future__ import annotations

import re
import time

import pytest

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect
except ImportError:  # the chromium_path fixture skips and says why
    PlaywrightTimeout = TimeoutError
    expect = None

from tests.credential_factory import LABELS, definition_data
from tests.integration.stack import running_stack
from tests.media_samples import pdf_page

TITLE = "Leave a note for a colleague"
NOTE_CREDENTIAL = definition_data(
    key="leave-a-note",
    title=TITLE,
    outcome="Writes a short note that a colleague can act on.",
    skill="Written production",
    evidence={
        "kinds": ["text", "upload"],
        "media_types": ["application/pdf"],
        "max_bytes": 2_000_000,
        "prompt": "Leave a note for a colleague who covers your shift.",
        "reveal_prompt_on_record": False,
        "takes": 1,
        "resubmission": True,
    },
)
TYPED = "Hi Sam, the delivery comes at nine. Please sign for it. Thanks, Lena"
PDF_TEXT = "Shift handover by Lena"
# The course page in a 1024 px wide window: Pathmark's frame is narrower.
WINDOW = {"width": 1024, "height": 900}
LEVELS = {"coherence": 3, "range": 4, "fluency": 3, "intelligibility": 3}


@pytest.fixture(scope="module")
def course(chromium_path, tmp_path_factory):
    """Pathmark, its grade worker and the sandbox, for this module alone."""
    folder = tmp_path_factory.mktemp("pathmark-moderation")
    with running_stack(
        folder, threads=4, credentials=[NOTE_CREDENTIAL], grade_worker=True
    ) as stack:
        yield stack


@pytest.fixture
def window(browser):
    """A 1024 px chromium window of its own."""
    context = browser.new_context(viewport=WINDOW)
    # Generous: the shared CI machine is often busy.
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def act_as(page, stack, role: str) -> None:
    """Switch the sandbox's signed-in person, from its own header."""
    page.goto(stack.sandbox_url + "/")
    page.select_option("#role", role)
    page.click("#switch")


def open_activity(page, title: str):
    """Open the course activity; Pathmark launches in the course frame."""
    page.click(f"a.activity:text-is('{title}')")
    frame = page.frame_locator("#tool-frame")
    try:
        frame.locator("[data-view]").first.wait_for()
    except PlaywrightTimeout:
        try:
            shown = frame.locator("body").inner_text(timeout=2_000)
        except PlaywrightTimeout:
            shown = "(no document in the frame)"
        frames = "\n".join(f.url for f in page.frames)
        raise AssertionError(
            f"Pathmark's page never appeared. Frames:\n{frames}\nIt shows:\n{shown}"
        ) from None
    return frame


def launch_id_of(frame) -> str:
    """The launch a Pathmark staff page belongs to, from its URL."""
    return re.search(r"/assess/([^/?]+)/", frame.url).group(1)


def sheet_frame(page):
    """The Playwright Frame showing Pathmark's scoring sheet."""
    return next(f for f in page.frames if "/submissions/" in f.url)


def open_sheet(page, stack, role: str, bucket: str, title: str):
    """As ``role``: the activity, its queue, then the learner's sheet from
    the queue's ``bucket``."""
    act_as(page, stack, role)
    frame = open_activity(page, title)
    frame.locator("[data-queue-link]").click()
    frame.locator(f"#{bucket} a", has_text="Lena").click()
    frame.locator("[data-status]").wait_for()
    return frame


def wait_for(check, seconds: float = 30.0, page=None):
    """Poll ``check`` until it returns something true, or give up.

    With ``page``, the pause lets Playwright take in the browser's events
    (frames attached or navigated); a bare sleep would leave its view of
    the frames as it was when polling began.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        if page is not None:
            page.wait_for_timeout(250)
        else:
            time.sleep(0.25)
    return check()


def place_activity(page, stack) -> str:
    """The teacher picks the credential by Deep Linking; its title back."""
    act_as(page, stack, "teacher")
    page.click("#add-activity")
    picker = page.frame_locator("#tool-frame")
    picker.locator("label", has_text=TITLE).click()
    picker.get_by_role("button", name="Add to course").click()
    created = picker.locator("#created")
    expect(created).to_contain_text("gradebook column")
    title = created.inner_text().split(" — ")[0].strip()
    picker.locator("text=Back to the course").click()
    return title


def hand_in(page, stack, title: str) -> None:
    """The learner types a text, uploads a PDF and submits."""
    act_as(page, stack, "learner")
    frame = open_activity(page, title)
    frame.get_by_role("button", name="Start").click()
    frame.locator("#text-body").fill(TYPED)
    frame.get_by_role("button", name="Save text").click()
    expect(frame.locator(".pieces")).to_contain_text("Typed text")
    frame.locator("#upload-file").set_input_files(
        files=[
            {
                "name": "handover.pdf",
                "mimeType": "application/pdf",
                "buffer": pdf_page(PDF_TEXT),
            }
        ]
    )
    frame.get_by_role("button", name="Upload").click()
    expect(frame.locator(".pieces")).to_contain_text("handover.pdf")
    frame.locator("input[name=own_work]").check()
    frame.get_by_role("button", name="Submit attempt 1").click()
    expect(frame.locator(".receipt")).to_contain_text("Attempt 1: submitted")


def assert_pdf_shown(page) -> None:
    """Chromium's PDF viewer draws the artefact inside the scoring frame.

    A PDF the browser refuses to show framed turns its frame into
    chrome-error://chromewebdata/; a shown one keeps its URL and gets the
    viewer's own inner frame. Frames are looked up afresh on every poll:
    the viewer may replace the ones seen before.
    """

    def documents():
        return [f for f in sheet_frame(page).child_frames if f.url != "about:blank"]

    def shown():
        return [d for d in documents() if "/artefacts/" in d.url and d.child_frames]

    if not wait_for(shown, seconds=60, page=page):
        seen = [(d.url, len(d.child_frames)) for d in documents()]
        raise AssertionError(f"Chromium showed no PDF; frames (url, inner): {seen}")


def score_with_keys_and_clicks(frame, page) -> None:
    """Keys for the first criterion (focus, 3, J), clicks for the rest."""
    rows = frame.locator("tr.criterion")
    expect(rows).to_have_count(len(LEVELS))
    rows.first.focus()
    page.keyboard.press("3")
    page.keyboard.press("j")
    expect(rows.first.locator('input[value="3"]')).to_be_checked()
    expect(rows.nth(1)).to_be_focused()
    expect(frame.locator('[data-standard-for="coherence"]')).to_contain_text(
        "You showed coherence at step 3."
    )
    for criterion, level in list(LEVELS.items())[1:]:
        row = frame.locator(f'tr[data-criterion="{criterion}"]')
        row.locator(f'input[value="{level}"]').click()
    frame.locator('textarea[name="note-range"]').fill("Clear times and names.")
    frame.locator('textarea[name="overall"]').fill("A note Sam can act on.")


# Boxes in the scoring frame's own viewport: the evidence panel, the first
# criterion row, and how far the frame's document is scrolled.
LAYOUT = """(toLast) => {
    const rows = document.querySelectorAll("tr.criterion");
    if (toLast) { rows[rows.length - 1].scrollIntoView({block: "end"}); }
    else { window.scrollTo(0, 0); }
    const box = (el) => {
        const r = el.getBoundingClientRect();
        return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
    };
    return {evidence: box(document.querySelector(".evidence")),
            row: box(rows[0]), last: box(rows[rows.length - 1]),
            scrolled: window.scrollY, height: window.innerHeight};
}"""

# What sticks out of the frame sideways, innermost first, for the message.
WIDER_THAN_FRAME = """() => [...document.body.querySelectorAll("*")]
    .filter((el) => el.getBoundingClientRect().right > innerWidth + 1)
    .reverse().slice(0, 5)
    .map((el) => el.tagName + "." + el.className + " "
                 + Math.round(el.getBoundingClientRect().right))"""


def assert_evidence_beside_rubric(page) -> None:
    """Evidence and rubric side by side; the evidence stays in view while
    the mentor scrolls down to the last criterion."""
    top = sheet_frame(page).evaluate(LAYOUT, False)
    evidence, row = top["evidence"], top["row"]
    assert evidence["right"] <= row["left"], f"not side by side: {top}"
    assert row["top"] < evidence["bottom"] and evidence["top"] < row["bottom"], top

    end = sheet_frame(page).evaluate(LAYOUT, True)
    assert end["scrolled"] > 0, f"the rubric fits without scrolling: {end}"
    assert end["last"]["bottom"] <= end["height"] + 1, end
    shown = min(end["evidence"]["bottom"], end["height"])
    shown -= max(end["evidence"]["top"], 0)
    assert shown >= 0.8 * end["height"], f"the evidence left the frame: {end}"


def assert_stacked_when_narrow(page) -> None:
    """In a 320 px window the evidence sits above the rubric, no sideways
    scrolling of the page."""
    page.set_viewport_size({"width": 320, "height": WINDOW["height"]})
    try:
        narrow = sheet_frame(page).evaluate(LAYOUT, False)
        assert narrow["evidence"]["bottom"] <= narrow["row"]["top"], narrow
        overflow = sheet_frame(page).evaluate(
            "document.documentElement.scrollWidth"
            " - document.documentElement.clientWidth"
        )
        wide = sheet_frame(page).evaluate(WIDER_THAN_FRAME)
        assert overflow <= 0, f"the narrow sheet scrolls sideways: {wide}"
    finally:
        page.set_viewport_size(WINDOW)


def try_to_verify_own_scoring(page, stack, title: str, form: dict) -> None:
    """The assessor posts the Verify form a moderator's screen carries.

    Their own screen offers no Verify button, so this is what a replayed or
    hand-made form does; Pathmark refuses it with its message.
    """
    frame = open_sheet(page, stack, "teacher", "with_moderator", title)
    panel = frame.locator('[data-moderation="other-person"]')
    expect(panel).to_contain_text("another instructor of this course verifies it")
    expect(frame.get_by_role("button", name="Verify as scored")).to_have_count(0)

    mine = launch_id_of(sheet_frame(page))
    action = re.sub(r"^/assess/[^/]+/", f"/assess/{mine}/", form["action"])
    refused_post = page.expect_response(lambda r: r.url.split("?")[0].endswith(action))
    with refused_post as answer:
        sheet_frame(page).evaluate(
            """([action, revision]) => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = action;
                const token = new URLSearchParams(location.search).get("lt");
                const fields = {lt: token, revision: revision, action: "verify"};
                for (const [name, value] of Object.entries(fields)) {
                    const input = document.createElement("input");
                    input.type = "hidden";
                    input.name = name;
                    input.value = value;
                    form.append(input);
                }
                document.body.append(form);
                form.submit();
            }""",
            [action, form["revision"]],
        )
    assert answer.value.status == 403
    refusal = frame.locator('[data-refusal="four_eyes"]')
    expect(refusal).to_contain_text(
        "You scored this submission, so another person must verify it."
    )


def test_mentor_scores_in_the_sandbox_and_a_second_teacher_verifies(window, course):
    page, stack = window, course
    title = place_activity(page, stack)
    link = next(v for v in stack.lms.links.values() if v.title == title)
    hand_in(page, stack, title)

    # Mentor A, the teacher, scores in the course frame of a 1024 px window.
    artefacts = []
    page.on(
        "response",
        lambda r: artefacts.append(r) if "/artefacts/" in r.url else None,
    )
    frame = open_sheet(page, stack, "teacher", "to_assess", title)
    expect(frame.locator("[data-evidence-text]")).to_have_text(TYPED)
    assert_pdf_shown(page)
    assert artefacts, "the browser never asked for the PDF"
    # all_headers(): Playwright's plain .headers leaves the policy out.
    served = artefacts[0].all_headers()
    assert served["content-type"] == "application/pdf"
    assert served["content-disposition"].startswith("inline;")
    assert "sandbox" in served["content-security-policy"]
    frame_width = page.locator("#tool-frame").bounding_box()["width"]
    assert frame_width < WINDOW["width"]
    overflow = sheet_frame(page).evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the sheet scrolls sideways by {overflow} px"
    assert_evidence_beside_rubric(page)
    assert_stacked_when_narrow(page)

    score_with_keys_and_clicks(frame, page)
    frame.get_by_role("button", name="Submit scoring").click()
    expect(frame.locator("[data-status]")).to_have_attribute("data-status", "scored")
    expect(frame.locator("[data-status]")).to_contain_text("needs verification")

    # Staff member B, the second teacher, sees it waiting for her.
    frame = open_sheet(page, stack, "second-teacher", "to_moderate", title)
    form = frame.locator("[data-moderation] form")
    verify_form = {
        "action": form.get_attribute("action"),
        "revision": form.locator("input[name=revision]").get_attribute("value"),
    }

    # The assessor cannot verify their own scoring.
    try_to_verify_own_scoring(page, stack, title, verify_form)

    frame = open_sheet(page, stack, "second-teacher", "to_moderate", title)
    frame.get_by_role("button", name="Verify as scored").click()
    status = frame.locator("[data-status]")
    expect(status).to_have_attribute("data-status", "moderated")
    frame.get_by_role("button", name="Release to the learner").click()
    expect(status).to_have_attribute("data-status", "released")
    audit = frame.locator("[data-audit]")
    expect(audit.locator("tr", has_text="verified")).to_contain_text("Ines Duarte")
    expect(audit.locator("tr", has_text="Tomás O'Brien")).to_contain_text("scored")

    # The learner reads levels and feedback per criterion.
    act_as(page, stack, "learner")
    frame = open_activity(page, title)
    frame.locator("[data-results-link]").click()
    results = frame.locator("[data-view=results]")
    expect(results).to_contain_text(f"{TITLE}: mastery reached")
    for criterion, level in LEVELS.items():
        title_case = criterion.capitalize()
        heading = results.locator("h3", has_text=title_case)
        expect(heading).to_have_text(f"{title_case}: {LABELS[level - 1]}")
        expect(results).to_contain_text(f"You showed {criterion} at step {level}.")
    expect(results).to_contain_text("Clear times and names.")
    expect(results).to_contain_text("A note Sam can act on.")

    # The grade worker posted the released score through AGS.
    scores = stack.lms.scores[link.lineitem_id]
    posted = wait_for(
        lambda: scores.get("sb-learner-1", {}).get("gradingProgress") == "FullyGraded"
    )
    worker_log = (stack.folder / "worker.log").read_text(errors="replace")
    assert posted, (
        f"no FullyGraded score in the sandbox: {scores}\n{worker_log[-1500:]}"
    )
    assert scores["sb-learner-1"]["scoreGiven"] == sum(LEVELS.values()) == 13
    assert scores["sb-learner-1"]["scoreMaximum"] == 16
    page.goto(stack.sandbox_url + "/gradebook")
    row = page.locator("#gradebook tr", has_text=title)
    expect(row).to_contain_text(re.compile(r"\b13(\.0)? / 16(\.0)?\b"))
    expect(row).to_contain_text("FullyGraded")
