"""Outbound requests to URLs a stranger chose: public addresses only.

A registration URL comes from whoever opens ``/lti/register``; fetching
it must not become a way into the networks Pathmark runs in (metadata
services, databases, admin consoles). So:

* only ``http`` and ``https`` URLs;
* the host is resolved and refused when any address is loopback,
  link-local, private, shared, multicast or reserved, unless the address
  lies in an operator's explicit allow-list (a development setting, e.g.
  ``127.0.0.0/8`` for tests); link-local addresses, where cloud metadata
  services live, are refused even then;
* the socket's connected peer is checked again before a byte is sent, so a
  name that resolves differently the second time (DNS rebinding) is
  refused too;
* no redirects;
* an egress proxy named by the environment (``HTTPS_PROXY``,
  ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``) is used as requests would
  use it: the proxy is the operator's choice, so the connected-peer check
  applies to direct connections only, while the target's name is still
  checked wherever it resolves here (behind a proxy it may not resolve
  locally at all; the proxy's own rules then decide). ``.netrc`` and other
  environment settings (``REQUESTS_CA_BUNDLE`` among them) are not read: a
  stranger's URL must never receive the operator's credentials;
* the answer is read under a byte limit and a deadline for the whole
  exchange, so a platform that drips bytes or sends gigabytes cannot hold
  a worker.

requests has no hook for the connected address, so the peer check lives in
urllib3 connection classes mounted through a transport adapter; no
library offers this guard for requests as a maintained package.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies, select_proxy
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError

from lti_tool.events import event

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Never reachable, whatever the allow-list says: link-local ranges (AWS,
# GCP and Azure metadata at 169.254.169.254) and other clouds' metadata.
ALWAYS_REFUSED: tuple[IPNetwork, ...] = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fd00:ec2::254/128"),
    ipaddress.ip_network("100.100.100.200/32"),
)


class AddressRefused(ValueError):
    """The URL is not http(s), or its host is not an address Pathmark may call."""


class AddressUnresolved(AddressRefused):
    """The host name did not resolve: perhaps only for now."""


class ResponseRefused(ValueError):
    """The answer was too large or too slow."""


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """The allow-list setting: comma- or space-separated CIDR blocks."""
    networks = []
    for item in text.replace(",", " ").split():
        network = ipaddress.ip_network(item, strict=False)
        overlapping = (
            network.overlaps(bad)  # type: ignore[arg-type]
            for bad in ALWAYS_REFUSED
        )
        if any(overlapping):
            raise ValueError(f"{item} overlaps a link-local or metadata range")
        networks.append(network)
    return tuple(networks)


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return ip.ipv4_mapped
    return ip


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses outbound calls may reach."""

    allowed: tuple[IPNetwork, ...] = ()

    def refusal(self, address: str) -> str | None:
        """Why an address may not be reached, or ``None`` when it may."""
        ip = _ip(address)
        if any(ip in net for net in ALWAYS_REFUSED):
            return "a link-local or cloud metadata address"
        if any(ip in net for net in self.allowed):
            return None
        if ip.is_loopback:
            return "a loopback address"
        if ip.is_global and not ip.is_multicast:
            return None
        return "a private or reserved address"

    def check_url(self, url: str, unresolved_ok: bool = False) -> None:
        """Refuse a URL that is not http(s) or whose host resolves badly.

        ``unresolved_ok`` lets a name that does not resolve (yet) pass, for
        URLs stored now and called later: each call is checked again.
        """
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise AddressRefused(f"{url[:200]!r} is not an http(s) URL")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            # Known limit: name resolution waits as long as the system's
            # resolver does, outside http_timeout's deadline.
            infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, ValueError) as exc:
            if unresolved_ok and isinstance(exc, socket.gaierror):
                return
            gone = isinstance(exc, socket.gaierror)
            raise (AddressUnresolved if gone else AddressRefused)(
                f"{parts.hostname} cannot be resolved ({exc})"
            ) from None
        for info in infos:
            address = str(info[4][0])
            why = self.refusal(address)
            if why:
                raise AddressRefused(f"{parts.hostname} resolves to {address}, {why}")

    def check_peer(self, sock: socket.socket) -> None:
        address = str(sock.getpeername()[0])
        why = self.refusal(address)
        if why:
            sock.close()
            raise AddressRefused(f"the connection reached {address}, {why}")


def _guarded(
    base: type[HTTPConnection],
    policy: AddressPolicy,
    opened: list[socket.socket] | None = None,
) -> type:
    class Guarded(base):  # type: ignore[valid-type, misc]
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            policy.check_peer(sock)
            if opened is not None:
                opened.append(sock)
            return sock

    return Guarded


def environment_proxy(url: str) -> str | None:
    """The proxy the environment names for ``url``; None when NO_PROXY
    covers its host or none is set."""
    return select_proxy(url, get_environ_proxies(url))


class GuardedAdapter(HTTPAdapter):
    """A transport whose connections must end at an address the policy
    permits, or at the egress proxy the environment names."""

    def __init__(self, policy: AddressPolicy, keep_sockets: bool = False):
        self.policy = policy
        # With keep_sockets, the sockets this adapter connected, so a
        # deadline can cut them (for short-lived sessions only: the list
        # only grows).
        self.opened: list[socket.socket] | None = [] if keep_sockets else None
        super().__init__(max_retries=0)

    def cut(self) -> None:
        """Shut every socket down; a read blocked on one returns at once."""
        for sock in self.opened or ():
            with suppress(OSError):  # closed already
                sock.shutdown(socket.SHUT_RDWR)

    def send(self, request, *args, **kwargs):  # type: ignore[override]
        # requests passes proxies by keyword; sessions here never set any.
        proxy = environment_proxy(request.url or "")
        if proxy and not kwargs.get("proxies"):
            kwargs["proxies"] = {urlsplit(request.url or "").scheme: proxy}
        return super().send(request, *args, **kwargs)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        http_conn = _guarded(HTTPConnection, self.policy, self.opened)
        https_conn = _guarded(HTTPSConnection, self.policy, self.opened)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type(
                "GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}
            ),
            "https": type(
                "GuardedHTTPSPool",
                (HTTPSConnectionPool,),
                {"ConnectionCls": https_conn},
            ),
        }


class PlatformAddressRefused(requests.ConnectionError):
    """A call to a platform's endpoint was refused before any byte was sent.

    A ``requests`` error, so every caller that already copes with an
    unreachable platform (key sets, service tokens, grades, rosters) copes
    with this one too. ``by_policy`` is false when the name only failed to
    resolve, which may pass; true when the address itself is refused, which
    retrying will not change.
    """

    by_policy = True


class PlatformAdapter(GuardedAdapter):
    """The transport for every call to a stored platform endpoint.

    The host is resolved and checked before connecting, so a refused
    address is never contacted; the connected peer is checked again, so a
    name that resolves elsewhere the second time is refused too.
    """

    def send(self, request, *args, **kwargs):  # type: ignore[override]
        url = request.url or ""
        try:
            self.policy.check_url(url, unresolved_ok=bool(environment_proxy(url)))
            return super().send(request, *args, **kwargs)
        except AddressRefused as exc:
            event(
                "outbound.refused",
                logging.WARNING,
                host=urlsplit(request.url or "").hostname,
                reason=str(exc),
            )
            refused = PlatformAddressRefused(str(exc), request=request)
            refused.by_policy = not isinstance(exc, AddressUnresolved)
            raise refused from None


def platform_session(policy: AddressPolicy, user_agent: str) -> requests.Session:
    """A session whose every connection must end at an address the policy
    permits, or at the environment's egress proxy (see the module's notes).
    """
    session = requests.Session()
    session.trust_env = False
    session.headers["User-Agent"] = user_agent
    adapter = PlatformAdapter(policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@dataclass(frozen=True)
class Answer:
    """A response read in full under the limits."""

    status: int
    reason: str
    content_type: str
    body: bytes
    # Where a redirect points; Pathmark never follows one.
    location: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class OutboundClient:
    """Makes guarded, limited requests; one per app, thread-safe enough.

    A new requests session per call keeps no state between strangers'
    URLs (cookies, pooled connections).
    """

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        timeout: float,
        max_bytes: int,
        user_agent: str,
    ):
        self.policy = policy
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.user_agent = user_agent

    def _session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False
        session.headers["User-Agent"] = self.user_agent
        # Compressed answers would lift the byte limit (and are not decoded
        # by the raw reads below).
        session.headers["Accept-Encoding"] = "identity"
        adapter = GuardedAdapter(self.policy, keep_sockets=True)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    def deadline(self) -> float:
        """A deadline ``timeout`` seconds from now, for a whole exchange."""
        return time.monotonic() + self.timeout

    def request(
        self, method: str, url: str, deadline: float | None = None, **kwargs
    ) -> Answer:
        """Send one request; raise AddressRefused, ResponseRefused or
        requests.RequestException.

        ``deadline`` (from :meth:`deadline`) bounds several requests
        together; without it this request alone gets ``timeout`` seconds.
        """
        self.policy.check_url(url, unresolved_ok=bool(environment_proxy(url)))
        deadline = self.deadline() if deadline is None else deadline
        left = deadline - time.monotonic()
        if left <= 0:
            raise ResponseRefused(self._too_slow())
        with self._session() as session:
            # Socket timeouts bound each read, not the answer: headers sent
            # a byte at a time would outlast them, so a timer cuts the
            # connection when the deadline passes.
            timer = threading.Timer(left, session.get_adapter(url).cut)
            timer.daemon = True
            timer.start()
            try:
                response, body = self._exchange(session, method, url, deadline, kwargs)
            except requests.Timeout:
                # Its timeouts are what was left of the deadline.
                raise ResponseRefused(self._too_slow()) from None
            except (requests.RequestException, HTTPError, OSError):
                # A connection the timer cut breaks mid-read.
                if time.monotonic() < deadline:
                    raise
                raise ResponseRefused(self._too_slow()) from None
            finally:
                timer.cancel()
        return Answer(
            status=response.status_code,
            reason=response.reason or "",
            content_type=response.headers.get("Content-Type", ""),
            body=body,
            location=response.headers.get("Location", ""),
        )

    def _exchange(
        self, session: requests.Session, method: str, url: str, deadline: float, kwargs
    ) -> tuple[requests.Response, bytes]:
        left = max(deadline - time.monotonic(), 0.001)
        request = session.prepare_request(requests.Request(method, url, **kwargs))
        # Through the adapter, not Session.send: even told not to follow a
        # redirect, that reads the redirect's whole body, past any limit.
        response = session.get_adapter(url).send(
            request, stream=True, timeout=(left, left), proxies={}
        )
        with response:
            try:
                body = self._read(response, deadline)
            except (HTTPError, OSError) as exc:
                # Raw reads raise urllib3's errors, not requests': an
                # answer cut short before its Content-Length, a reset.
                raise requests.ConnectionError(
                    f"the answer broke off ({type(exc).__name__})"
                ) from None
        return response, body

    def _too_slow(self) -> str:
        return f"the exchange took longer than {self.timeout:g} seconds"

    def _read(self, response: requests.Response, deadline: float) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise ResponseRefused(
                f"the answer is {declared} bytes, more than the {self.max_bytes} "
                "Pathmark reads"
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in _chunks(response, 8192):
            size += len(chunk)
            if size > self.max_bytes:
                raise ResponseRefused(
                    f"the answer is more than the {self.max_bytes} bytes Pathmark reads"
                )
            if time.monotonic() > deadline:
                raise ResponseRefused(self._too_slow())
            chunks.append(chunk)
        return b"".join(chunks)


def _chunks(response: requests.Response, size: int) -> Iterable[bytes]:
    # read1-style chunks: each yields as soon as some bytes arrive, so the
    # deadline is checked while a slow platform drips its answer.
    raw = response.raw
    while True:
        chunk = raw.read1(size)
        if not chunk:
            return
        yield chunk
