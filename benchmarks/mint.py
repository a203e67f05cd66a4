"""Badges minted and signed per second, beside bare canonicalization.

    .venv/bin/python benchmarks/mint.py [--n 200]

Prints, from one run:
- bare: pyld's URDNA2015 canonicalization of one typical credential (the
  baseline the issue names);
- sign: building nothing, signing that credential with eddsa-rdfc-2022
  (guarded expansion, two canonicalizations, two hashes, Ed25519);
- mint: the whole award in the app on SQLite (status bit, signing, insert,
  commit), as ``assessment_released`` triggers it.

Times are CPU time of this process, so other load on the machine does not
skew the ratios; the mint line also gives wall-clock throughput.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyld import jsonld  # noqa: E402

from lti_tool import create_app  # noqa: E402
from lti_tool.badges import issuance  # noqa: E402
from lti_tool.badges.proof import sign  # noqa: E402
from lti_tool.db import db, upgrade_schema, utcnow  # noqa: E402
from lti_tool.models import BadgeAward  # noqa: E402
from tests import badge_helpers as h  # noqa: E402


def timed(fn, n: int) -> list[float]:
    fn()  # warm caches (contexts are processed once per process)
    out = []
    for _ in range(n):
        start = time.process_time()
        fn()
        out.append(time.process_time() - start)
    return out


def report(name: str, samples: list[float]) -> float:
    mean = statistics.fmean(samples)
    p95 = sorted(samples)[int(len(samples) * 0.95) - 1]
    print(
        f"{name:6} {mean * 1000:8.2f} ms/credential  p95 {p95 * 1000:7.2f} ms  "
        f"{1 / mean:8.1f} credentials/s"
    )
    return mean


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "database_url": f"sqlite:///{tmp}/bench.db",
                "instance_path": f"{tmp}/instance",
                "keys_dir": f"{tmp}/keys",
                "base_url": "https://pathmark.example",
                "log_level": "WARNING",
            }
        )
        with app.app_context():
            upgrade_schema()
            learner = h.person()
            version = h.credential()
            h.release(learner.id, version.id)
            db.session.commit()
            doc = db.session.scalars(db.select(BadgeAward)).one().document
            unsigned = {k: v for k, v in doc.items() if k != "proof"}
            b = issuance.badges()
            options = {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": b.loader,
            }
            key = b.issuer().signing_key
            now = utcnow()

            bare = report("bare", timed(lambda: jsonld.normalize(unsigned, options), n))
            signed = report(
                "sign", timed(lambda: sign(unsigned, key, now, b.loader), n)
            )

            counter = iter(range(10**9))

            def mint_one() -> None:
                person = h.person(sub=f"bench-{next(counter)}")
                h.release(person.id, version.id)
                db.session.commit()

            wall = time.perf_counter()
            minted = report("mint", timed(mint_one, n))
            wall = (time.perf_counter() - wall) / (n + 1)
            print(f"mint wall clock {wall * 1000:.2f} ms, {1 / wall:.1f} badges/s")
            print(f"sign/bare ratio {signed / bare:.2f}x (target <= 1.5x)")
            print(f"mint/bare ratio {minted / bare:.2f}x")
            print(f"credential size {len(str(doc))} characters of JSON")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
