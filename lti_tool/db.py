"""The database handle and migrations, created unbound and bound in the factory."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so migrations read the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite has no zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING),
        type_annotation_map={datetime: UTCDateTime},
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()


def utcnow() -> datetime:
    return datetime.now(UTC)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    # WAL with synchronous=NORMAL keeps the launch tail low under several
    # workers; busy_timeout makes writers wait instead of failing at once.
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def upgrade_schema() -> None:
    """Create or upgrade every table; harmless to repeat.

    Each area of Pathmark keeps its own migration branch off the launch
    spine, so the schema is upgraded to all heads, not to a single one.
    """
    from flask import current_app
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory, revision="heads")


# The largest id the database stores (a signed 64-bit integer).
MAX_ROW_ID = 2**63 - 1


def row_number(text: str) -> int | None:
    """A whole number typed into a form or query, when the database can hold it.

    Only ASCII digits: ``str.isdigit`` also admits "²", which ``int`` cannot
    read, and a longer number would overflow the database driver.
    """
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= MAX_ROW_ID else None
