"""Upload intake: throughput and peak memory of one large upload.

    .venv/bin/python benchmarks/intake.py [--mb 500] [--rounds 2]

A server process on 127.0.0.1 serves Pathmark and a baseline side by side:
a bare WSGI handler that streams the body to disk in 1 MiB pieces while
hashing it. This process sends the same bytes three ways in turn and
samples the server's resident memory every 10 ms:

- baseline: one request to the bare handler;
- Pathmark: one request to the learner upload (launch token, draft,
  sniffing, limits, SHA-256, local store, database row);
- chunked: the resumable upload in-browser recordings use (announce with
  the SHA-256, PUT chunks of the size the server names, 8 MiB by default,
  then finish, which verifies the whole through the same intake).

Targets (issue 4): memory growth under 16 MB; throughput at least 0.5x the
baseline. The chunked figure is the whole take: first chunk to finished
artefact.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
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


TILE = 8192  # one SimpleBlock per 8 KiB, about one frame of a video take


def _element(element_id: bytes, length: int) -> bytes:
    """The header of an EBML element ``length`` bytes long in all."""
    return element_id + b"\x01" + (length - len(element_id) - 8).to_bytes(7, "big")


def _block(index: int, total: int, pattern: bytes) -> bytes:
    """Block ``index`` of the body: a WebM take, cut into 1 MiB blocks.

    The file opens with the header MediaRecorder writes; each block is one
    Cluster of unknown size (as MediaRecorder leaves them) starting a
    second after the previous, holding SimpleBlocks of ``TILE`` bytes of
    noise on track 1. Intake's cut detection and the length reading then
    walk it as they walk a real take, find it whole and about one second
    long per MiB.
    """
    from tests.media_samples import WEBM_HEADER

    start = index * BLOCK
    size = min(BLOCK, total - start)
    piece = bytearray(pattern[:size])
    piece[-8:] = start.to_bytes(8, "big")  # no two blocks alike
    timecode = b"\xe7\x88" + (index * 1000).to_bytes(8, "big")
    opening = b"\x1f\x43\xb6\x75\x01" + b"\xff" * 7 + timecode
    if index == 0:
        opening = WEBM_HEADER + opening
    piece[: len(opening)] = opening
    tiles = list(range(len(opening), size, TILE))
    if size - tiles[-1] < 32 and len(tiles) > 1:
        tiles.pop()  # the last block takes the short rest too
    for n, at in enumerate(tiles):
        end = tiles[n + 1] if n + 1 < len(tiles) else size
        relative = n * 1000 // len(tiles)
        piece[at : at + 13] = (
            _element(b"\xa3", end - at)
            + b"\x81"
            + relative.to_bytes(2, "big")
            + b"\x80"
        )
    return bytes(piece)


def _pattern(seed: bytes) -> bytes:
    return random.Random(seed).randbytes(BLOCK)


def _body(total: int, seed: bytes):
    """``total`` bytes, the same for one seed, in 1 MiB pieces."""
    pattern = _pattern(seed)
    for index in range((total + BLOCK - 1) // BLOCK):
        yield _block(index, total, pattern)


def _slices(total: int, seed: bytes, start: int, end: int):
    """The bytes ``start`` to ``end`` of ``_body(total, seed)``."""
    pattern = _pattern(seed)
    for index in range(start // BLOCK, (end + BLOCK - 1) // BLOCK):
        at = index * BLOCK
        piece = _block(index, total, pattern)
        yield piece[max(0, start - at) : end - at]


def _request(port, method, path, pieces, length, content_type) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.putrequest(method, path)
    conn.putheader("Content-Type", content_type)
    conn.putheader("Content-Length", str(length))
    conn.putheader("Accept", "application/json")
    conn.putheader("X-Requested-With", "pathmark")
    conn.endheaders()
    for piece in pieces:
        conn.send(piece)
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    if response.status not in (200, 201):
        raise SystemExit(f"{method} {path} answered {response.status}: {text[:300]}")
    return response.status, text


def _send_whole(port: int, path: str, total: int, seed: bytes) -> None:
    _request(port, "POST", path, _body(total, seed), total, "video/webm")


def _send_chunked(port: int, info: dict, total: int, seed: bytes) -> float:
    """Announce, PUT every chunk at its offset, finish: as evidence.js does."""
    digest = hashlib.sha256()
    for piece in _body(total, seed):
        digest.update(piece)
    announce = json.dumps(
        {
            "submission": info["submission"],
            "kind": "recording",
            "size": total,
            "sha256": digest.hexdigest(),
            "name": "recording.webm",
            "duration": total / BLOCK,
        }
    ).encode()
    base = f"/evidence/{info['launch']}/uploads"
    token = f"lt={info['token']}"
    started = time.perf_counter()
    _, text = _request(
        port, "POST", f"{base}?{token}", [announce], len(announce), "application/json"
    )
    upload = json.loads(text)
    step = upload["chunk_bytes"]
    for offset in range(0, total, step):
        end = min(total, offset + step)
        _request(
            port,
            "PUT",
            f"{base}/{upload['id']}?{token}&offset={offset}",
            _slices(total, seed, offset, end),
            end - offset,
            "application/octet-stream",
        )
    done = b'{"type": "video/webm"}'
    _request(
        port,
        "POST",
        f"{base}/{upload['id']}/finish?{token}",
        [done],
        len(done),
        "application/json",
    )
    return time.perf_counter() - started


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of the process, all threads."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(pid: int, total: int, send) -> tuple[float, float, float]:
    """MB/s, peak RSS growth (MB) and server CPU seconds while ``send()`` runs.

    ``send`` may return its own elapsed time (the chunked upload leaves out
    the client's own hashing before it announces the upload).
    """
    before = _rss_kib(pid)
    cpu = _cpu_seconds(pid)
    sampler = Sampler(pid)
    sampler.start()
    started = time.perf_counter()
    timed = send()
    elapsed = timed or time.perf_counter() - started
    sampler.running = False
    sampler.join()
    cpu = _cpu_seconds(pid) - cpu
    return total / elapsed / 1e6, (sampler.peak - before) / 1024, cpu


def _clear(folder: Path) -> None:
    """Remove the baseline's files between rounds: disk space, not speed."""
    for path in folder.iterdir():
        path.unlink()


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
    place_credential(
        app,
        max_bytes=8 * 1024**3,
        kinds=["upload", "recording"],
        media_types=["video/webm"],
        takes=20,
        min_seconds=1,
        max_seconds=7200,
    )
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
    info = {
        "port": httpd.server_port,
        "path": path,
        "launch": learner.launch_id,
        "token": learner.token,
        "submission": submission,
    }
    print(json.dumps(info), flush=True)
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
            results: dict[str, list[tuple[float, float, float]]] = {
                "baseline": [],
                "pathmark": [],
                "chunked": [],
            }
            port, pid = info["port"], server.pid
            for n in range(args.rounds):
                # Each send is new content, so nothing is deduplicated.
                sends = {
                    "baseline": partial(_send_whole, port, "/baseline"),
                    "pathmark": partial(_send_whole, port, info["path"]),
                    "chunked": partial(_send_chunked, port, info),
                }
                # Each round starts with another handler: what runs first
                # finds the most free memory for its page cache.
                names = list(sends)
                for name in names[n % 3 :] + names[: n % 3]:
                    send, seed = sends[name], f"{name}-{n}".encode()
                    results[name].append(
                        _measure(pid, total, partial(send, total, seed))
                    )
                _clear(Path(folder) / "baseline")
        finally:
            server.terminate()
            server.wait(timeout=10)

    _report(args, results)


def _report(args, results) -> None:
    """Best of the rounds per handler, and each round's ratios side by side.

    On a shared machine one handler can meet a quiet second and another a
    busy one; the ratio of two sends in the same round, and the server's
    CPU seconds (which do not count time spent waiting), vary less.
    """
    print(f"Upload intake, {args.mb} MB body, {args.rounds} round(s)")
    print(f"{'handler':<28}{'best MB/s':>10}{'peak RSS growth MB':>20}{'CPU s':>8}")
    # CPU s: the server's median over the rounds.
    labels = {
        "baseline": "baseline (disk + SHA-256)",
        "pathmark": "Pathmark, one request",
        "chunked": "Pathmark, chunked + finish",
    }
    for name, label in labels.items():
        rate = max(r[0] for r in results[name])
        growth = max(r[1] for r in results[name])
        cpu = sorted(r[2] for r in results[name])[len(results[name]) // 2]
        print(f"{label:<28}{rate:>10.0f}{growth:>20.1f}{cpu:>8.2f}")
    for name in ("pathmark", "chunked"):
        rounds = list(zip(results[name], results["baseline"], strict=True))
        paired = sorted(mine[0] / base[0] for mine, base in rounds)
        cpu = sorted(base[2] / mine[2] for mine, base in rounds)
        growth = max(r[1] for r in results[name])
        print(
            f"{name}: throughput ratio per round "
            f"{', '.join(f'{r:.2f}' for r in paired)} "
            f"(median {paired[len(paired) // 2]:.2f}, target >= 0.5); "
            f"CPU ratio median {cpu[len(cpu) // 2]:.2f}; "
            f"memory growth {growth:.1f} MB (target < 16)"
        )
    print(f"load average: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
