"""Upload intake: throughput and peak memory of one large upload.

    .venv/bin/python benchmarks/intake.py [--mb 500] [--rounds 2]

A server process on 127.0.0.1 serves two endpoints side by side: Pathmark's
learner upload (launch token, draft, sniffing, limits, SHA-256, local
store, database row) and a baseline, a bare WSGI handler that streams the
body to disk in 1 MiB pieces while hashing it. This process sends the same
body to each in turn and samples the server's resident memory every 10 ms.
Targets (issue 4): memory growth under 16 MB; throughput at least 0.5x the
baseline.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BLOCK = 1024 * 1024


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Sampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, _rss_kib(self.pid))
            time.sleep(0.01)


def _body(total: int):
    from tests.media_samples import WEBM_HEADER

    block = bytearray(os.urandom(BLOCK))
    sent = 0
    first = True
    while sent < total:
        piece = bytes(block[: min(BLOCK, total - sent)])
        if first:
            piece = WEBM_HEADER + piece[len(WEBM_HEADER) :]
            first = False
        block[0:8] = sent.to_bytes(8, "big")  # no two blocks alike
        sent += len(piece)
        yield piece


def _send(port: int, path: str, total: int) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.putrequest("POST", path)
    conn.putheader("Content-Type", "audio/webm")
    conn.putheader("Content-Length", str(total))
    conn.putheader("Accept", "application/json")
    conn.endheaders()
    for piece in _body(total):
        conn.send(piece)
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    return response.status, text


def _measure(pid: int, port: int, path: str, total: int) -> tuple[float, float]:
    before = _rss_kib(pid)
    sampler = Sampler(pid)
    sampler.start()
    started = time.perf_counter()
    status, text = _send(port, path, total)
    elapsed = time.perf_counter() - started
    sampler.running = False
    sampler.join()
    if status != 200:
        raise SystemExit(f"{path} answered {status}: {text[:300]}")
    return total / elapsed / 1e6, (sampler.peak - before) / 1024


def serve(folder: str) -> None:
    """The server process: print the upload path and port, then serve."""
    import logging

    from werkzeug.serving import make_server

    from lti_tool import create_app
    from lti_tool.db import db, upgrade_schema
    from tests.evidence_helpers import launch, place_credential
    from tests.platform_fake import FakePlatform

    app = create_app(
        {
            "database_url": f"sqlite:///{folder}/bench.db",
            "instance_path": f"{folder}/instance",
            "keys_dir": f"{folder}/keys",
            "base_url": "http://localhost",
            "log_level": "WARNING",
            "max_upload_bytes": 8 * 1024**3,
        }
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with app.app_context():
        upgrade_schema()
        app.extensions["pathmark"].keyring.ensure()
    platform = FakePlatform(app)
    platform.register()
    place_credential(app, max_bytes=8 * 1024**3, kinds=["upload"])
    learner = launch(app, platform)
    submission = learner.start()
    with app.app_context():
        db.engine.dispose()

    baseline_dir = Path(folder) / "baseline"
    baseline_dir.mkdir()

    def baseline(environ, start_response):
        # The bare handler: stream to disk in 1 MiB pieces while hashing.
        stream = environ["wsgi.input"]
        left = int(environ.get("CONTENT_LENGTH") or 0)
        digest = hashlib.sha256()
        with open(baseline_dir / f"{time.monotonic_ns()}", "wb") as fh:
            while left > 0:
                data = stream.read(min(BLOCK, left))
                if not data:
                    break
                left -= len(data)
                digest.update(data)
                fh.write(data)
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"sha256": digest.hexdigest()}).encode()]

    def dispatch(environ, start_response):
        if environ["PATH_INFO"] == "/baseline":
            return baseline(environ, start_response)
        return app(environ, start_response)

    httpd = make_server("127.0.0.1", 0, dispatch, threaded=True)
    path = learner.url("files", submission=submission, kind="upload", name="big.webm")
    print(json.dumps({"port": httpd.server_port, "path": path}), flush=True)
    httpd.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=500, help="upload size in MB")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return

    total = args.mb * 1_000_000
    with tempfile.TemporaryDirectory(prefix="pathmark-bench-") as folder:
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", folder],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        try:
            info = json.loads(server.stdout.readline())
            results: dict[str, list[tuple[float, float]]] = {
                "baseline": [],
                "pathmark": [],
            }
            for _ in range(args.rounds):
                results["baseline"].append(
                    _measure(server.pid, info["port"], "/baseline", total)
                )
                results["pathmark"].append(
                    _measure(server.pid, info["port"], info["path"], total)
                )
                # Each round's file is new content, so nothing is deduplicated.
        finally:
            server.terminate()
            server.wait(timeout=10)

    print(f"Upload intake, {args.mb} MB body, best of {args.rounds} round(s)")
    print(f"{'handler':<28}{'MB/s':>10}{'peak RSS growth MB':>22}")
    best = {}
    for name, label in (
        ("baseline", "baseline (disk + SHA-256)"),
        ("pathmark", "Pathmark"),
    ):
        rate = max(r[0] for r in results[name])
        growth = max(r[1] for r in results[name])
        best[name] = (rate, growth)
        print(f"{label:<28}{rate:>10.0f}{growth:>22.1f}")
    ratio = best["pathmark"][0] / best["baseline"][0]
    print(
        f"throughput ratio {ratio:.2f} (target >= 0.5); "
        f"memory growth {best['pathmark'][1]:.1f} MB (target < 16)"
    )


if __name__ == "__main__":
    main()
