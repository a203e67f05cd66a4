"""Where a launch round trip's server CPU goes, per kind of request.

Run ``python benchmarks/launch_breakdown.py``. It serves Pathmark and the
baseline exactly as benchmarks/launch.py does (gunicorn, 4 sync workers,
127.0.0.1, temporary instance) and drives each with the same concurrent
clients, one kind of request per phase:

* ``request``: a path no route serves (404 page): what any request costs
  in gunicorn and Flask before Pathmark's own work;
* ``login``: the OIDC login initiation alone;
* ``round trip``: login plus launch, as in launch.py;
* ``baseline``: the baseline's one request.

It prints the server CPU (gunicorn master and workers, from /proc) per
request of each kind, and the launch's share as round trip minus login.
CPU per request moves much less than throughput when the machine is
shared, so this is the figure to compare between runs. It also measures
what the client itself spends per round trip (the platform's RS256
signature), since clients and servers share the machine's cores.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import launch as bench
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


def login_only(port: int, platform: bench.Platform, rng) -> None:
    query = {
        "iss": bench.ISSUER,
        "client_id": bench.CLIENT_ID,
        "login_hint": f"learner-{rng.randrange(bench.LEARNERS)}",
        "lti_message_hint": f"course-{rng.randrange(bench.COURSES)}",
        "lti_deployment_id": bench.DEPLOYMENT_ID,
        "target_link_uri": platform.launch_url,
    }
    response = bench._request(port, "GET", "/lti/login?" + urlencode(query))
    if response.status != 302:
        raise bench.PlatformRefused(f"login answered {response.status}")


def unrouted(port: int, platform: bench.Platform, rng) -> None:
    response = bench._request(port, "GET", "/benchmark-no-such-page")
    if response.status != 404:
        raise bench.PlatformRefused(f"unrouted path answered {response.status}")


# Registered at import, so the spawned client processes find them too.
bench.ROUND_TRIPS.update(request=unrouted, login=login_only)


def client_signature_ms(pem: bytes, rounds: int = 200) -> float:
    platform = bench.Platform(pem, "http://127.0.0.1/lti/launch")
    began = time.process_time()
    for i in range(rounds):
        platform.sign(platform.claims(f"learner-{i}", "n" * 43, 0))
    return (time.process_time() - began) * 1000 / rounds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--warm-up", type=float, default=2.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    public_jwk.update({"kid": bench.KID, "alg": "RS256", "use": "sig"})
    jwks = bench.serve_jwks(public_jwk)
    jwks_url = f"http://{bench.HOST}:{jwks.server_address[1]}/jwks"
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    cpu: dict[str, float | None] = {}
    with tempfile.TemporaryDirectory(prefix="pathmark-breakdown-") as tmp:
        folder = Path(tmp)
        try:
            baseline = bench.start_gunicorn(
                "baseline",
                "benchmarks.launch_baseline:app",
                {
                    **os.environ,
                    "BASELINE_PUBLIC_KEY": public_pem.decode(),
                    "BASELINE_ISSUER": bench.ISSUER,
                    "BASELINE_CLIENT_ID": bench.CLIENT_ID,
                    "BASELINE_DATABASE": str(folder / "baseline.db"),
                },
                folder,
                "/",
                bench.free_port(),
            )
            try:
                cpu["baseline"] = bench.measure(
                    "baseline", baseline, pem, "", args.clients,
                    args.seconds, args.warm_up,
                ).server_cpu_ms  # fmt: skip
            finally:
                baseline.stop()

            port = bench.free_port()
            env = bench.prepare_pathmark(folder, jwks_url, port)
            launch_url = f"http://{bench.HOST}:{port}/lti/launch"
            pathmark = bench.start_gunicorn(
                "pathmark", "lti_tool.wsgi:app", env, folder, "/healthz", port
            )
            try:
                for kind in ("request", "login", "pathmark"):
                    cpu[kind] = bench.measure(
                        kind, pathmark, pem, launch_url, args.clients,
                        args.seconds, args.warm_up,
                    ).server_cpu_ms  # fmt: skip
            finally:
                pathmark.stop()
        finally:
            jwks.shutdown()

    if any(value is None for value in cpu.values()):
        print("server CPU could not be read from /proc", file=sys.stderr)
        return 1
    rows = [
        ("any request (404 page)", cpu["request"]),
        ("login", cpu["login"]),
        ("launch (round trip - login)", cpu["pathmark"] - cpu["login"]),
        ("round trip (login + launch)", cpu["pathmark"]),
        ("baseline request", cpu["baseline"]),
        ("client: RS256 signature", client_signature_ms(pem)),
    ]
    print(f"Server CPU per request, {args.clients} clients, gunicorn 4 workers")
    for label, value in rows:
        print(f"  {label:30}{value:8.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
