"""Cost of reading a recording's structure: cut detection and length.

    .venv/bin/python benchmarks/media_walks.py [--minutes 10] [--rounds 3]

Builds recordings in memory (WebM of 20 ms Opus-sized blocks as Chrome
writes it, MP3 of 24 ms frames, Ogg Opus), then times, over 1 MiB chunks:
the intake's cut-file follower (``lti_tool.truncation``) and the length
measurement (``lti_tool.media_duration.measure``) against a local store.
Beside them, the baseline: hashing the same chunks with SHA-256, work the
intake does for every upload anyway. Prints the best round per file in ms.
The WebM and MP3 walks visit every block or frame, so their cost grows
with the take's length rather than its size.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHUNK = 1024 * 1024


def _best(rounds: int, work) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    from lti_tool.media_duration import measure
    from lti_tool.storage import content_key
    from lti_tool.storage.local import LocalStore
    from lti_tool.truncation import Follower
    from tests import recording_samples as rec

    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    seconds = args.minutes * 60
    samples = {
        "audio/webm": rec.webm(seconds),
        "audio/mpeg": rec.mp3(seconds),
        "audio/ogg": rec.opus(seconds),
    }
    with tempfile.TemporaryDirectory() as folder:
        store = LocalStore(Path(folder))
        print(f"{args.minutes:g} min takes, best of {args.rounds}")
        heading = ("type", "MB", "sha256 ms", "follow ms", "measure ms")
        print("{:<11} {:>6} {:>10} {:>10} {:>11}".format(*heading))
        for media_type, data in samples.items():
            key = content_key(hashlib.sha256(data).hexdigest())
            pending = store.begin()
            pending.write(data)
            pending.commit(key)

            def follow(data=data):
                follower = Follower()
                for at in range(0, len(data), CHUNK):
                    follower.feed(data[at : at + CHUNK])
                assert not follower.cut_short(len(data))

            def digest(data=data):
                hashed = hashlib.sha256()
                for at in range(0, len(data), CHUNK):
                    hashed.update(data[at : at + CHUNK])

            def length(data=data, key=key, media_type=media_type):
                assert measure(store, key, len(data), media_type) is not None

            mb = len(data) / 1e6
            base = _best(args.rounds, digest)
            walk, read = _best(args.rounds, follow), _best(args.rounds, length)
            print(
                f"{media_type:<11} {mb:>6.1f} {base * 1000:>10.1f} "
                f"{walk * 1000:>10.1f} {read * 1000:>11.1f}"
            )


if __name__ == "__main__":
    main()
