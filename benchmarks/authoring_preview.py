"""Authoring: what one live-preview answer costs while staff type.

    .venv/bin/python benchmarks/authoring_preview.py [--rounds 200]

On a temporary SQLite database with the example catalogue, an
administrator's launch times through the Flask test client (in process, no
network): the live-preview answer (JSON: preview panel plus field
problems) for a valid form and for a form with two problems, beside two
baselines: checking the form values alone (``authoring_form.check``, no
HTTP, no template) and the whole form page the Preview button returns.
Prints the median and 95th percentile per step in milliseconds. The page
asks for one answer per pause in typing (300 ms), so an answer well under
that keeps the preview in step.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lti_tool import authoring_form, catalogue, catalogue_io, create_app  # noqa: E402
from lti_tool.authoring_rebase import base_values  # noqa: E402
from lti_tool.db import upgrade_schema  # noqa: E402
from lti_tool.services import services  # noqa: E402
from tests import launches  # noqa: E402
from tests.platform_fake import FakePlatform  # noqa: E402


def _figures(name: str, samples: list[float]) -> None:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[max(0, round(len(ms) * 0.95) - 1)]
    print(f"{name:<34} median {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms")


def _timed(fn, rounds: int) -> list[float]:
    fn()  # warm-up: templates compiled, schema loaded
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="pathmark-bench-"))
    app = create_app(
        {
            "database_url": f"sqlite:///{folder / 'bench.db'}",
            "instance_path": str(folder / "instance"),
            "keys_dir": str(folder / "keys"),
            "base_url": "http://localhost",
            "log_level": "WARNING",
        }
    )
    with app.app_context():
        upgrade_schema()
        services().keyring.ensure()
        catalogue_io.import_example()
        current = catalogue.current_version("pass-it-on")
        values = authoring_form.values_from_data(current.definition)
        values |= base_values(current.id, current.digest)
    platform = FakePlatform(app)
    platform.register()
    client = app.test_client()
    launch_id, token = launches.admin(platform, client)

    form = values | {"lt": token, "original_key": "pass-it-on"}
    broken = form | {"title": "", "rubric.criteria.1.levels.2.points": "lots"}
    live = f"/catalogue/{launch_id}/preview"
    print(f"credential pass-it-on, {args.rounds} rounds")

    def answer(data, problems: int):
        reply = client.post(live, data=data)
        assert reply.status_code == 200 and len(reply.get_json()["errors"]) == problems

    def whole_page():
        page = client.post(
            f"/catalogue/{launch_id}/edit", data=form | {"action": "preview"}
        )
        assert page.status_code == 200

    _figures(
        "baseline: check values only",
        _timed(lambda: authoring_form.check(values), args.rounds),
    )
    _figures("baseline: whole page (button)", _timed(whole_page, args.rounds))
    _figures("live answer, valid form", _timed(lambda: answer(form, 0), args.rounds))
    _figures(
        "live answer, two problems", _timed(lambda: answer(broken, 2), args.rounds)
    )


if __name__ == "__main__":
    main()
