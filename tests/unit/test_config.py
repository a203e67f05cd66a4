"""Settings: defaults, PATHMARK_ overrides, DATABASE_URL, the instance secret."""

from __future__ import annotations

import stat

import pytest

from lti_tool import create_app
from lti_tool.config import ConfigError, load_settings, read_toml


def test_defaults_come_from_the_config_folder():
    settings = load_settings(environ={})
    defaults = read_toml("defaults.toml")
    assert settings == {key.upper(): value for key, value in defaults.items()}
    assert settings["BASE_URL"] == "http://localhost:5000"
    assert settings["LEEWAY_SECONDS"] == 60
    assert settings["UNKNOWN_DEPLOYMENT"] == "refuse"
    assert settings["TRUSTED_PROXY_HOPS"] == 0
    assert settings["SECRET_KEY"] == ""
    assert settings["SANDBOX"] is False


def test_environment_overrides_are_typed_like_the_default():
    settings = load_settings(
        environ={
            "PATHMARK_BASE_URL": "https://pathmark.example.edu/",
            "PATHMARK_LEEWAY_SECONDS": "90",
            "PATHMARK_SANDBOX": "yes",
            "PATHMARK_UNKNOWN_DEPLOYMENT": "pending",
            "PATHMARK_TRUSTED_PROXY_HOPS": "1",
            "PATHMARK_NOT_A_SETTING": "ignored",
        }
    )
    assert settings["BASE_URL"] == "https://pathmark.example.edu"
    assert settings["LEEWAY_SECONDS"] == 90
    assert settings["SANDBOX"] is True
    assert settings["UNKNOWN_DEPLOYMENT"] == "pending"
    assert settings["TRUSTED_PROXY_HOPS"] == 1
    assert "NOT_A_SETTING" not in settings


def test_overrides_given_to_the_factory_win_over_the_environment():
    settings = load_settings(
        environ={"PATHMARK_LEEWAY_SECONDS": "90"}, overrides={"leeway_seconds": 5}
    )
    assert settings["LEEWAY_SECONDS"] == 5


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"PATHMARK_LEEWAY_SECONDS": "a minute"}, "whole number"),
        ({"PATHMARK_SANDBOX": "maybe"}, "true or false"),
        ({"PATHMARK_BASE_URL": "pathmark.example.edu"}, "http"),
        ({"PATHMARK_UNKNOWN_DEPLOYMENT": "allow"}, "refuse"),
        ({"PATHMARK_LEEWAY_SECONDS": "-1"}, ">= 0"),
    ],
)
def test_unusable_values_are_refused_with_the_setting_named(environ, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(environ=environ)


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://u:p@db.internal/pm", "postgresql+psycopg://u:p@db.internal/pm"),
        ("postgresql://u:p@db.internal/pm", "postgresql+psycopg://u:p@db.internal/pm"),
        ("postgresql+psycopg://u@db/pm", "postgresql+psycopg://u@db/pm"),
        ("postgresql+psycopg2://u@db/pm", "postgresql+psycopg2://u@db/pm"),
        ("sqlite:////var/lib/pathmark.db", "sqlite:////var/lib/pathmark.db"),
    ],
)
def test_database_url_from_the_environment(given, used):
    settings = load_settings(
        environ={"DATABASE_URL": given, "PATHMARK_DATABASE_URL": "sqlite://"}
    )
    assert settings["DATABASE_URL"] == used


def test_app_reads_the_environment_once(monkeypatch, tmp_path):
    monkeypatch.setenv("PATHMARK_BASE_URL", "https://pm.example.edu")
    monkeypatch.setenv("PATHMARK_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.setenv("DATABASE_URL", "postgresql://pm@127.0.0.1:1/pm")
    app = create_app()
    monkeypatch.setenv("PATHMARK_BASE_URL", "https://other.example.edu")
    assert app.config["BASE_URL"] == "https://pm.example.edu"
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_empty_database_url_means_sqlite_in_the_instance_folder(tmp_path):
    app = create_app({"instance_path": str(tmp_path / "inst")})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{tmp_path / 'inst' / 'pathmark.db'}"
    )


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = create_app({"instance_path": str(tmp_path / "inst")})
    second = create_app({"instance_path": str(tmp_path / "inst")})
    key_file = tmp_path / "inst" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert first.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) >= 32
    other = create_app({"instance_path": str(tmp_path / "elsewhere")})
    assert other.config["SECRET_KEY"] != first.config["SECRET_KEY"]


def test_a_configured_secret_key_is_used_as_given(tmp_path):
    app = create_app({"instance_path": str(tmp_path / "inst"), "secret_key": "s" * 40})
    assert app.config["SECRET_KEY"] == "s" * 40
    assert not (tmp_path / "inst" / "secret_key").exists()


def test_trusted_proxy_hops_make_forwarded_https_count(tmp_path):
    def scheme_seen(hops: int) -> str:
        app = create_app(
            {"instance_path": str(tmp_path / "inst"), "trusted_proxy_hops": hops}
        )

        @app.get("/_scheme")
        def _scheme():
            from flask import request

            return request.scheme

        response = app.test_client().get(
            "/_scheme", headers={"X-Forwarded-Proto": "https"}
        )
        return response.get_data(as_text=True)

    assert scheme_seen(0) == "http"
    assert scheme_seen(1) == "https"
