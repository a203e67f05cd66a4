"""Login and launch over real HTTP: Pathmark under gunicorn, the sandbox LMS."""

from __future__ import annotations

import html
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin, urlsplit

from tests.integration.lms_client import LmsUser, form_of


def test_learner_launch_opens_the_learner_page(learner, link_id):
    page = learner.launch(link_id)
    assert page.status_code == 200, page.text
    assert 'data-view="learner"' in page.text
    assert "Lena Müller-Øst" in page.text
    assert "English for Everyday Life" in page.text
    assert "Sandbox activity" in page.text


def test_teacher_launch_opens_the_staff_page(teacher, link_id):
    page = teacher.launch(link_id)
    assert page.status_code == 200
    assert 'data-view="staff"' in page.text
    assert "Tomás O&#39;Brien" in page.text


def test_pages_after_launch_carry_the_session_token_not_cookies(stack, learner):
    link = stack.lms.add_link("Cookie-free pages")
    page = learner.launch(link.link_id)
    # A fresh client without any cookie opens the same page by its URL alone.
    again = LmsUser(stack.sandbox_url, role=None).http.get(page.url)
    assert again.status_code == 200
    assert 'data-view="learner"' in again.text
    tampered = page.url[:-3] + ("xyz" if not page.url.endswith("xyz") else "abc")
    refused = LmsUser(stack.sandbox_url, role=None).http.get(tampered)
    assert refused.status_code == 401


def _pin_worker(port: int) -> socket.socket:
    """Occupy one sync worker: it reads a request whose headers never end."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    time.sleep(0.3)  # let a worker accept it and block reading
    return sock


def _release(sock: socket.socket) -> None:
    sock.sendall(b"Connection: close\r\n\r\n")
    while sock.recv(4096):
        pass
    sock.close()


def _pid_for(stack, request_line: str, since: int) -> str:
    for line in stack.access_lines()[since:]:
        if request_line in line:
            return line.split()[0]
    raise AssertionError(f"{request_line} not in the access log")


def test_state_and_nonce_work_across_two_workers(stack, learner, link_id):
    """The login is served by one worker, the launch by the other."""
    port = urlsplit(stack.tool_url).port
    mark = len(stack.access_lines())

    first = _pin_worker(port)  # worker A is busy
    form = learner.launch_form(link_id)  # the login goes to worker B
    second = _pin_worker(port)  # now B is busy
    _release(first)  # A is free again
    launched = learner.post(form)  # the launch goes to worker A
    _release(second)

    assert launched.status_code == 303, launched.text
    time.sleep(0.2)
    login_pid = _pid_for(stack, '"GET /lti/login?', mark)
    launch_pid = _pid_for(stack, '"POST /lti/launch ', mark)
    assert login_pid != launch_pid
    assert 'data-view="learner"' in learner.follow(launched).text


def test_the_same_launch_posted_to_both_workers_at_once_wins_once(learner, link_id):
    form = learner.launch_form(link_id)
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: learner.post(form), range(2)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [303, 403], [a.text[:200] for a in answers]


def test_deep_linking_launch_opens_the_picker(teacher):
    picker = teacher.deep_link()
    assert picker.status_code == 200
    assert "Add a micro-credential to your course" in picker.text
    assert "Tell me what happened" in picker.text


def test_platform_storage_login_page_names_the_target_and_origin(stack, link_id):
    user = LmsUser(stack.sandbox_url, "learner", storage=True)
    response = user.http.get(
        f"{stack.sandbox_url}/launch/{link_id}", allow_redirects=True
    )
    # Pathmark answers the login with its platform storage page, which puts
    # the state in the sandbox's frame before going on to the sandbox.
    assert response.url.startswith(stack.tool_url + "/lti/login")
    assert '"lti.put_data"' in response.text
    assert '"post_message_forwarding"' in response.text
    assert f'"{stack.sandbox_url}"' in response.text
    page = user.follow(user.post(form_of(user.start(f"/launch/{link_id}"))))
    # This session kept Pathmark's cookie, so the cookie bound the launch.
    assert 'data-view="learner"' in page.text


def new_window_link(page) -> str:
    found = re.search(r'id="new-window" href="([^"]+)"', page.text)
    assert found is not None, page.text
    return html.unescape(found.group(1))


def test_launch_without_the_state_cookie_offers_a_new_window(stack, link_id):
    user = LmsUser(stack.sandbox_url, "learner", storage=False)
    form = user.launch_form(link_id)
    user.withhold_tool_cookies()
    page = user.post(form)
    assert page.status_code == 200
    assert "Open in a new window" in page.text
    # The sandbox names its own page for the link: the new window starts
    # the launch there again, a first-party context where cookies work.
    link = new_window_link(page)
    assert link == f"{stack.sandbox_url}/launch/{link_id}"
    window = user.open(link)
    assert window.url.startswith(stack.sandbox_url + "/auth")
    launched = user.follow(user.post(form_of(window, "autopost")))
    assert 'data-view="learner"' in launched.text


def test_new_window_works_where_login_hints_are_accepted_once(stack, link_id):
    user = LmsUser(stack.sandbox_url, None)
    user.switch("learner", storage=False, hints="once")
    first = user.http.get(
        f"{stack.sandbox_url}/launch/{link_id}", allow_redirects=False
    )
    login_url = urljoin(first.url, first.headers["Location"])
    assert "lti_message_hint=" in login_url
    form = form_of(user.open(login_url), "autopost")
    user.withhold_tool_cookies()
    page = user.post(form)
    assert page.status_code == 200

    # Retrying the login with the hints the platform already spent fails...
    again = user.open(login_url)
    refused = user.post(form_of(again, "autopost"))
    assert refused.status_code == 400
    assert "launch_no_longer_valid" in refused.text

    # ...while the new window's link has the platform start afresh.
    window = user.open(new_window_link(page))
    launched = user.follow(user.post(form_of(window, "autopost")))
    assert 'data-view="learner"' in launched.text
