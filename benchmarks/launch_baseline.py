"""The baseline for benchmarks/launch.py: one RS256 check, one SQLite insert.

The least a launch endpoint can do: verify a platform's id_token against a
key already in memory and store one row. Served by gunicorn like Pathmark,
configured by the environment the benchmark sets.
"""

from __future__ import annotations

import json
import os
import sqlite3

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from flask import Flask, request

PUBLIC_KEY = load_pem_public_key(os.environ["BASELINE_PUBLIC_KEY"].encode())
ISSUER = os.environ["BASELINE_ISSUER"]
CLIENT_ID = os.environ["BASELINE_CLIENT_ID"]
DATABASE = os.environ["BASELINE_DATABASE"]

app = Flask(__name__)
_connection: sqlite3.Connection | None = None


def connection() -> sqlite3.Connection:
    """One connection per worker process, tuned like Pathmark's."""
    global _connection
    if _connection is None:
        _connection = sqlite3.connect(DATABASE, timeout=10, isolation_level=None)
        _connection.execute("PRAGMA journal_mode=WAL")
        _connection.execute("PRAGMA synchronous=NORMAL")
        _connection.execute(
            "CREATE TABLE IF NOT EXISTS launch (id INTEGER PRIMARY KEY, "
            "sub TEXT NOT NULL, nonce TEXT NOT NULL, claims TEXT NOT NULL)"
        )
    return _connection


@app.get("/")
def ready():
    connection()
    return "ready"


@app.post("/launch")
def launch():
    try:
        claims = jwt.decode(
            request.form.get("id_token", ""),
            PUBLIC_KEY,
            algorithms=["RS256"],
            audience=CLIENT_ID,
            issuer=ISSUER,
            leeway=60,
        )
    except jwt.InvalidTokenError:
        return "refused", 401
    connection().execute(
        "INSERT INTO launch (sub, nonce, claims) VALUES (?, ?, ?)",
        (claims["sub"], claims["nonce"], json.dumps(claims)),
    )
    return "ok"
