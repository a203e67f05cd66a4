"""A person in front of the sandbox LMS, driven with a cookie-keeping session.

It follows what a browser would: switch role in the sandbox, open a link
(login initiation, authorization, the auto-posted launch form) and land on
Pathmark's page. Each step can also be taken by hand, to replay or alter it.
"""

from __future__ import annotations

import http.cookiejar
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self.links: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attr = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                Form(
                    attr.get("action", ""),
                    attr.get("id", ""),
                    attr.get("method", "get").lower(),
                )
            )
        elif tag == "input" and self.forms and attr.get("name"):
            if attr.get("type") in {"checkbox", "radio"} and "checked" not in attr:
                self.forms[-1].options.setdefault(attr["name"], []).append(
                    attr.get("value", "")
                )
                return
            self.forms[-1].fields[attr["name"]] = attr.get("value", "")
        elif tag == "a" and attr.get("id"):
            self.links[attr["id"]] = attr.get("href", "")


@dataclass
class Form:
    action: str
    form_id: str
    method: str = "get"
    fields: dict[str, str] = field(default_factory=dict)
    options: dict[str, list[str]] = field(default_factory=dict)


def parse(response: requests.Response) -> _Forms:
    parser = _Forms()
    parser.feed(response.text)
    return parser


def form_of(response: requests.Response, form_id: str | None = None) -> Form:
    """The form with this id, or else the page's first form that posts."""
    forms = parse(response).forms
    found = [
        f for f in forms if (f.form_id == form_id if form_id else f.method == "post")
    ]
    assert found, f"no form in {response.url}: {response.text[:300]}"
    form = found[0]
    form.action = urljoin(response.url, form.action)
    return form


class BrowserSession(requests.Session):
    """A session that sends Secure cookies to loopback over http, as browsers do.

    Browsers treat http://localhost and 127.0.0.1 as secure contexts;
    Python's cookie jar does not, and requests copies the jar (and drops
    its policy) for every request, so the header is rebuilt here.
    """

    def __init__(self):
        super().__init__()
        self.cookies.set_policy(
            http.cookiejar.DefaultCookiePolicy(secure_protocols=("https", "http"))
        )

    def prepare_request(self, request):
        prepared = super().prepare_request(request)
        prepared.headers.pop("Cookie", None)
        prepared.prepare_cookies(self.cookies)
        return prepared


class LmsUser:
    """One browser: its own cookies for the sandbox and for Pathmark."""

    def __init__(self, sandbox_url: str, role: str | None = "learner", storage=False):
        self.sandbox_url = sandbox_url
        self.http = BrowserSession()
        if role is not None:
            self.switch(role, storage)

    def switch(self, role: str, storage: bool = False, hints: str = "") -> None:
        data = {"role": role, "storage": "on" if storage else "off"}
        if hints:
            data["hints"] = hints  # "once": one-time hints without storage
        response = self.http.post(self.sandbox_url + "/switch", data=data)
        assert response.status_code == 200, response.text

    def withhold_tool_cookies(self) -> None:
        """Forget Pathmark's cookies, as a browser blocking them in frames."""
        for cookie in list(self.http.cookies):
            if cookie.name.startswith("pathmark_"):
                self.http.cookies.clear(cookie.domain, cookie.path, cookie.name)

    def start(self, path: str) -> requests.Response:
        """Open a sandbox launch path; follow redirects to the auth answer."""
        return self.open(self.sandbox_url + path)

    def open(self, url: str) -> requests.Response:
        """Follow redirects (and Pathmark's storage page) to the auth answer."""
        response = self.http.get(url, allow_redirects=False)
        while response.is_redirect:
            response = self.http.get(
                urljoin(response.url, response.headers["Location"]),
                allow_redirects=False,
            )
        storage_link = parse(response).links.get("continue")
        if storage_link and "/lti/login" in response.url:
            # Pathmark's platform storage page: its script would continue here.
            response = self.http.get(storage_link, allow_redirects=True)
        return response

    def launch_form(self, link_id: str) -> Form:
        """Up to the form the sandbox posts to Pathmark's launch URL."""
        return form_of(self.start(f"/launch/{link_id}"), "autopost")

    def post(self, form: Form, **changes: str | None) -> requests.Response:
        data = {k: v for k, v in {**form.fields, **changes}.items() if v is not None}
        return self.http.post(form.action, data=data, allow_redirects=False)

    def follow(self, response: requests.Response) -> requests.Response:
        if response.is_redirect:
            return self.http.get(urljoin(response.url, response.headers["Location"]))
        return response

    def launch(self, link_id: str) -> requests.Response:
        return self.follow(self.post(self.launch_form(link_id)))

    def deep_link(self) -> requests.Response:
        """A teacher's deep linking launch, up to Pathmark's picker."""
        form = form_of(self.start("/deep-link/start"), "autopost")
        return self.follow(self.post(form))

    def pick(self, picker: requests.Response, *choices: str) -> Form:
        """Tick credentials in the picker; return the form back to the LMS."""
        form = form_of(picker, "pick")
        chosen = list(choices) or [
            form.fields.get("credential") or form.options["credential"][0]
        ]
        response = self.http.post(form.action, data={"credential": chosen})
        assert response.status_code == 200, response.text
        return form_of(response, "deep-link-return")
