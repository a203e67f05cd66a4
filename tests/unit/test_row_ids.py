"""Ids in URLs beyond what the database stores are not found, not a 500."""

from __future__ import annotations

import pytest

TOO_BIG = "99999999999999999999"


@pytest.mark.parametrize(
    "path",
    [
        f"/status/{TOO_BIG}",
        f"/ob2/badgeclasses/credential/{TOO_BIG}",
    ],
)
def test_an_id_too_large_for_the_database_is_not_found(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


def test_the_largest_stored_id_still_routes(app):
    adapter = app.url_map.bind("localhost")
    endpoint, values = adapter.match(f"/status/{2**63 - 1}")
    assert values and max(values.values()) == 2**63 - 1
