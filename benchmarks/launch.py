"""Launch benchmark: Pathmark's login plus launch beside a minimal baseline.

Run ``python benchmarks/launch.py`` (or ``make bench``). In one run it
serves, each under gunicorn with 4 sync workers on 127.0.0.1:

* Pathmark, on a temporary instance (SQLite in WAL mode, fresh keys), with
  one platform registered. Concurrent clients do what a browser does: start
  the OIDC login, let the platform authorise, post the id_token back with
  the state cookie, and expect the 303 to the activity page.
* benchmarks/launch_baseline.py: a minimal Flask app that verifies one
  RS256 JWT and inserts one row into SQLite.

The platform lives in the client processes: it checks every authorisation
request strictly (response type, mode, prompt, client_id, redirect_uri,
hints, a fresh nonce) and signs each id_token with RS256; only its JWKS is
served over HTTP, from this process. Both targets get the same client work
(one signature per round trip), so the ratio compares server cost.

Prints round trips per second, p50 and p99 latency per target, and the
ratio of throughputs (the issue's target: at least 0.6, p99 under 50 ms).
Figures are also written to benchmarks/results/launch.json.

``--profile N`` measures nothing: it runs N round trips through Pathmark
in this process (Flask's test client, the same temporary instance and
platform) under cProfile, and prints the SQL statements of one round trip
and where the time went.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
ISSUER = "https://lms.bench.example"
CLIENT_ID = "pathmark-bench"
DEPLOYMENT_ID = "bench-deployment"
KID = "bench-platform-key"
WORKERS = 4
LEARNERS = 400
COURSES = 12
START_TIMEOUT = 60

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# The platform: strict authorisation, RS256 id_tokens, a JWKS over HTTP.


class PlatformRefused(AssertionError):
    """The tool sent an authorisation request a strict platform refuses."""


@dataclass
class Platform:
    private_pem: bytes
    launch_url: str
    seen_nonces: set[str] = field(default_factory=set)

    def __post_init__(self):
        self.key = serialization.load_pem_private_key(self.private_pem, None)

    def claims(self, sub: str, nonce: str, course: int) -> dict:
        now = int(time.time())
        return {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": f"Learner {sub}",
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": DEPLOYMENT_ID,
            LTI + "target_link_uri": self.launch_url,
            LTI + "resource_link": {"id": f"link-{course}", "title": "Speak"},
            LTI + "roles": [LEARNER],
            LTI + "context": {"id": f"course-{course}", "title": f"Course {course}"},
        }

    def sign(self, claims: dict) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KID})

    def authorize(self, url: str, login_hint: str, message_hint: str) -> dict:
        """Check the tool's authorisation request; return the form to post."""
        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        expected = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": CLIENT_ID,
            "redirect_uri": self.launch_url,
            "login_hint": login_hint,
            "lti_message_hint": message_hint,
        }
        wrong = sorted(k for k, v in expected.items() if query.get(k) != v)
        if parts.path != "/auth" or wrong:
            raise PlatformRefused(f"bad authorisation request: {wrong or parts.path}")
        state, nonce = query.get("state", ""), query.get("nonce", "")
        if len(state) < 16 or len(nonce) < 16 or nonce in self.seen_nonces:
            raise PlatformRefused("state or nonce missing, short or reused")
        self.seen_nonces.add(nonce)
        course = int(message_hint.rsplit("-", 1)[1])
        token = self.sign(self.claims(login_hint, nonce, course))
        return {"id_token": token, "state": state}


def serve_jwks(public_jwk: dict) -> ThreadingHTTPServer:
    body = json.dumps({"keys": [public_jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            status = 200 if self.path == "/jwks" else 404
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer((HOST, free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# The two servers.


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_gunicorn(name, app, env, folder: Path, ready: str, port: int) -> Server:
    log = folder / f"{name}.log"
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(WORKERS),
        "--bind", f"{HOST}:{port}", "--log-level", "warning", app,
    ]  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    server = Server(name, port, process, log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited: {log.read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", ready)
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{name} did not answer on {HOST}:{port}")


def prepare_pathmark(folder: Path, jwks_url: str, port: int) -> dict:
    """A fresh instance with one registration; returns gunicorn's environment."""
    env = {
        **os.environ,
        "PATHMARK_BASE_URL": f"http://{HOST}:{port}",
        "PATHMARK_INSTANCE_PATH": str(folder / "instance"),
        "PATHMARK_KEYS_DIR": str(folder / "keys"),
        "DATABASE_URL": f"sqlite:///{folder / 'pathmark.db'}",
        "PATHMARK_LOG_LEVEL": "WARNING",
        # The benchmark platform serves its keys on loopback.
        "PATHMARK_REGISTRATION_ALLOWED_NETWORKS": "127.0.0.0/8",
    }
    script = (
        "from lti_tool import create_app\n"
        "from lti_tool.db import db, upgrade_schema\n"
        "from lti_tool.registration import PlatformEndpoints, add_platform\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    upgrade_schema()\n"
        "    app.extensions['pathmark'].keyring.ensure()\n"
        f"    add_platform(PlatformEndpoints({ISSUER!r}, {CLIENT_ID!r},\n"
        f"        {ISSUER + '/auth'!r}, {ISSUER + '/token'!r}, {jwks_url!r}),\n"
        f"        [{DEPLOYMENT_ID!r}])\n"
        "    db.session.commit()\n"
    )
    subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, check=True)
    return env


# The clients: one process each, so their Python does not share one GIL.


def _request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response
    finally:
        conn.close()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def pathmark_round_trip(port: int, platform: Platform, rng: random.Random) -> None:
    sub = f"learner-{rng.randrange(LEARNERS)}"
    hint = f"course-{rng.randrange(COURSES)}"
    login = _request(
        port,
        "GET",
        "/lti/login?"
        + urlencode(
            {
                "iss": ISSUER,
                "client_id": CLIENT_ID,
                "login_hint": sub,
                "lti_message_hint": hint,
                "lti_deployment_id": DEPLOYMENT_ID,
                "target_link_uri": platform.launch_url,
            }
        ),
    )
    if login.status != 302:
        raise PlatformRefused(f"login answered {login.status}")
    cookie = login.getheader("Set-Cookie", "").split(";", 1)[0]
    form = platform.authorize(login.getheader("Location", ""), sub, hint)
    launch = _request(
        port, "POST", "/lti/launch", urlencode(form), {**FORM, "Cookie": cookie}
    )
    if launch.status != 303 or "lt=" not in launch.getheader("Location", ""):
        raise PlatformRefused(f"launch answered {launch.status}")


def baseline_round_trip(port: int, platform: Platform, rng: random.Random) -> None:
    sub = f"learner-{rng.randrange(LEARNERS)}"
    token = platform.sign(platform.claims(sub, secrets.token_urlsafe(24), 0))
    response = _request(port, "POST", "/launch", urlencode({"id_token": token}), FORM)
    if response.status != 200:
        raise PlatformRefused(f"baseline answered {response.status}")


ROUND_TRIPS = {"pathmark": pathmark_round_trip, "baseline": baseline_round_trip}


def client(kind, port, pem, launch_url, start, stop, seed, results):
    """Round trips from ``start`` until ``stop`` (wall clock); report latencies."""
    platform = Platform(pem, launch_url)
    round_trip = ROUND_TRIPS[kind]
    rng = random.Random(seed)
    latencies: list[float] = []
    errors: list[str] = []
    time.sleep(max(0.0, start - time.time()))
    cpu_began = time.process_time()
    while time.time() < stop:
        began = time.perf_counter()
        try:
            round_trip(port, platform, rng)
        except (OSError, PlatformRefused) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            continue
        if time.time() <= stop:
            latencies.append(time.perf_counter() - began)
    cpu = time.process_time() - cpu_began
    results.put((latencies, errors[:5], len(errors), cpu))


@dataclass
class Figures:
    name: str
    per_second: float
    p50_ms: float
    p99_ms: float
    round_trips: int
    errors: int
    # Server CPU (master and workers) per completed round trip.
    server_cpu_ms: float | None = None
    # The clients' own CPU (platform signature, HTTP) per round trip: they
    # share the machine's cores with the server.
    client_cpu_ms: float | None = None


def server_cpu_seconds(pid: int) -> float | None:
    """CPU time used so far by a gunicorn master and its workers (Linux /proc).

    Unlike throughput, this barely moves when other programs share the
    machine, so it compares the two servers' own cost on a busy machine.
    """
    tick = os.sysconf("SC_CLK_TCK")
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        total = 0
        for each in [pid, *map(int, children)]:
            # utime and stime are fields 14 and 15, after the "(name)" field.
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return None
    return total / tick


def measure(kind, server, pem, launch_url, clients, seconds, warm_up) -> Figures:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    # A warm-up phase (key sets fetched, workers' caches filled), then the
    # measured one; only the last phase's figures are kept.
    for phase_seconds in (warm_up, seconds):
        cpu_before = server_cpu_seconds(server.process.pid)
        start = time.time() + 1.0
        stop = start + phase_seconds
        processes = [
            context.Process(
                target=client,
                args=(kind, server.port, pem, launch_url, start, stop, i, results),
            )
            for i in range(clients)
        ]
        for process in processes:
            process.start()
        gathered = [results.get(timeout=phase_seconds + 120) for _ in processes]
        cpu_after = server_cpu_seconds(server.process.pid)
        for process in processes:
            process.join()
    latencies = [t for lat, _, _, _ in gathered for t in lat]
    errors = sum(n for _, _, n, _ in gathered)
    client_cpu = sum(c for _, _, _, c in gathered)
    for _, samples, _, _ in gathered:
        for sample in samples:
            print(f"  {kind} error: {sample}", file=sys.stderr)
    if len(latencies) < 2:
        raise RuntimeError(f"{kind}: fewer than two round trips completed")
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    # Workers may still answer a request begun before the stop; included.
    cpu_ms = None
    if cpu_before is not None and cpu_after is not None:
        cpu_ms = (cpu_after - cpu_before) * 1000 / len(latencies)
    return Figures(
        name=kind,
        per_second=len(latencies) / seconds,
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=cuts[98] * 1000,
        round_trips=len(latencies),
        errors=errors,
        server_cpu_ms=cpu_ms,
        client_cpu_ms=client_cpu * 1000 / len(latencies),
    )


def profile(rounds: int, pem: bytes, jwks_url: str, folder: Path) -> None:
    """Round trips in this process under cProfile; print statements and time."""
    import cProfile
    import pstats

    from sqlalchemy import event

    port = free_port()
    os.environ.update(prepare_pathmark(folder, jwks_url, port))
    from lti_tool import create_app
    from lti_tool.db import db

    app = create_app()
    client = app.test_client(use_cookies=False)
    platform = Platform(pem, f"http://{HOST}:{port}/lti/launch")
    rng = random.Random(0)

    def round_trip() -> None:
        sub = f"learner-{rng.randrange(LEARNERS)}"
        hint = f"course-{rng.randrange(COURSES)}"
        login = client.get(
            "/lti/login",
            query_string={
                "iss": ISSUER,
                "client_id": CLIENT_ID,
                "login_hint": sub,
                "lti_message_hint": hint,
                "target_link_uri": platform.launch_url,
            },
        )
        form = platform.authorize(login.headers["Location"], sub, hint)
        cookie = login.headers["Set-Cookie"].split(";", 1)[0]
        launch = client.post("/lti/launch", data=form, headers={"Cookie": cookie})
        if launch.status_code != 303:
            raise PlatformRefused(f"launch answered {launch.status_code}")

    for _ in range(max(50, rounds // 4)):  # caches filled, rows stored
        round_trip()
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()[:4]))

    event.listen(engine, "before_cursor_execute", record)
    round_trip()
    event.remove(engine, "before_cursor_execute", record)
    print(f"SQL statements in one repeat round trip: {len(statements)}")
    for statement in statements:
        print(f"  {statement} ...")

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        round_trip()
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(15)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warm-up", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        help="profile N round trips in this process instead of measuring",
    )
    args = parser.parse_args()

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    public_jwk.update({"kid": KID, "alg": "RS256", "use": "sig"})
    jwks = serve_jwks(public_jwk)
    jwks_url = f"http://{HOST}:{jwks.server_address[1]}/jwks"
    if args.profile:
        with tempfile.TemporaryDirectory(prefix="pathmark-profile-") as tmp:
            try:
                profile(args.profile, pem, jwks_url, Path(tmp))
            finally:
                jwks.shutdown()
        return 0

    servers: list[Server] = []
    figures: list[Figures] = []
    with tempfile.TemporaryDirectory(prefix="pathmark-bench-") as tmp:
        folder = Path(tmp)
        try:
            public_pem = key.public_key().public_bytes(
                serialization.Encoding.PEM,
                serialization.PublicFormat.SubjectPublicKeyInfo,
            )
            baseline_env = {
                **os.environ,
                "BASELINE_PUBLIC_KEY": public_pem.decode(),
                "BASELINE_ISSUER": ISSUER,
                "BASELINE_CLIENT_ID": CLIENT_ID,
                "BASELINE_DATABASE": str(folder / "baseline.db"),
            }
            baseline = start_gunicorn(
                "baseline",
                "benchmarks.launch_baseline:app",
                baseline_env,
                folder,
                "/",
                free_port(),
            )
            servers.append(baseline)
            figures.append(
                measure(
                    "baseline",
                    baseline,
                    pem,
                    "",
                    args.clients,
                    args.seconds,
                    args.warm_up,
                )  # fmt: skip
            )
            baseline.stop()

            port = free_port()
            env = prepare_pathmark(folder, jwks_url, port)
            launch_url = f"http://{HOST}:{port}/lti/launch"
            pathmark = start_gunicorn(
                "pathmark", "lti_tool.wsgi:app", env, folder, "/healthz", port
            )
            servers.append(pathmark)
            figures.append(
                measure(
                    "pathmark",
                    pathmark,
                    pem,
                    launch_url,
                    args.clients,
                    args.seconds,
                    args.warm_up,
                )  # fmt: skip
            )
        finally:
            for server in servers:
                server.stop()
            jwks.shutdown()
    report(figures, args)
    return 1 if any(f.errors for f in figures) else 0


def report(figures: list[Figures], args) -> None:
    base, tool = figures
    ratio = tool.per_second / base.per_second
    print(
        f"Launch benchmark: {os.cpu_count()} CPUs, gunicorn {WORKERS} sync workers, "
        f"{args.clients} concurrent clients, {args.seconds:g} s each"
    )
    print(
        f"{'':32}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}{'n':>8}{'errors':>8}"
        f"{'server CPU ms':>15}{'client CPU ms':>15}"
    )
    labels = {
        "baseline": "baseline (RS256 verify + insert)",
        "pathmark": "Pathmark login + launch",
    }
    for f in figures:
        print(
            f"{labels[f.name]:32}{f.per_second:9.1f}{f.p50_ms:9.1f}{f.p99_ms:9.1f}"
            f"{f.round_trips:8d}{f.errors:8d}"
            + (f"{f.server_cpu_ms:15.2f}" if f.server_cpu_ms is not None else "")
            + (f"{f.client_cpu_ms:15.2f}" if f.client_cpu_ms is not None else "")
        )
    print(f"throughput ratio Pathmark/baseline: {ratio:.2f} (target >= 0.6)")
    print(f"Pathmark p99: {tool.p99_ms:.1f} ms (target < 50 ms)")
    if base.server_cpu_ms and tool.server_cpu_ms:
        print(
            "server CPU per round trip, baseline/Pathmark: "
            f"{base.server_cpu_ms / tool.server_cpu_ms:.2f} "
            "(steadier than throughput on a shared machine)"
        )
    costs = [(f.server_cpu_ms, f.client_cpu_ms) for f in figures]
    if all(server and client for server, client in costs):
        (base_server, base_client), (tool_server, tool_client) = costs
        # Where the cores are the limit, throughput follows total CPU.
        print(
            "total CPU per round trip (server + clients), baseline/Pathmark: "
            f"{(base_server + base_client) / (tool_server + tool_client):.2f}"
        )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "launch.json").write_text(
        json.dumps(
            {
                "clients": args.clients,
                "seconds": args.seconds,
                "cpus": os.cpu_count(),
                "ratio": ratio,
                "targets": [f.__dict__ for f in figures],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
