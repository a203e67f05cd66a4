"""The admin page's values as a person reads and copies them."""

from __future__ import annotations

from click.testing import CliRunner
from flask.cli import ScriptInfo

from lti_tool.admin_cli import admin as admin_group

PASSWORD = "correct horse battery"


def test_custom_parameters_show_one_a_line(app, live_server, page):
    """Moodle wants one custom parameter a line; the page shows them so,
    not run together on one line as HTML would by default."""
    result = CliRunner().invoke(
        admin_group,
        ["create", "alice", "--password-stdin"],
        input=PASSWORD + "\n",
        obj=ScriptInfo(create_app=lambda: app),
    )
    assert result.exit_code == 0, result.output

    page.goto(live_server + "/admin/login")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    # The sign-in redirects here; the stylesheet must have loaded before
    # the text is read as rendered.
    page.wait_for_url(live_server + "/admin/")
    page.wait_for_load_state("load")
    row = page.locator("table.values tr", has_text="Custom parameters")

    shown = row.locator("code").inner_text()  # as rendered, CSS applied
    assert shown.splitlines() == [
        "context_id_history=$Context.id.history",
        "resource_link_id_history=$ResourceLink.id.history",
    ]


def test_without_a_clipboard_the_copy_button_selects_the_value(app, live_server, page):
    """On plain http away from localhost browsers offer no clipboard API:
    the button selects the value and says how to copy it."""
    result = CliRunner().invoke(
        admin_group,
        ["create", "bob", "--password-stdin"],
        input=PASSWORD + "\n",
        obj=ScriptInfo(create_app=lambda: app),
    )
    assert result.exit_code == 0, result.output
    page.add_init_script("delete Navigator.prototype.clipboard;")
    page.goto(live_server + "/admin/login")
    page.fill("input[name=username]", "bob")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/admin/")
    button = page.locator("button.copy").first
    value = page.locator("#" + button.get_attribute("data-copy")).inner_text()
    button.click()
    assert button.inner_text() == "Selected: press Ctrl+C"
    assert page.evaluate("window.getSelection().toString()").strip() == value.strip()
