"""SQL schema (SQLAlchemy Core). One ``metadata`` for every table credgate owns.

Tables are declared next to the code that owns them and registered on this ``metadata``;
:func:`credgate.adapters.storage.schema.load_all_tables` imports those modules so that
``metadata.create_all`` and the Alembic migrations see every table.
"""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# Modules that declare tables on ``metadata``.
TABLE_MODULES = (
    "credgate.adapters.storage.tables",
    "credgate.adapters.audit.sql_sink",
    "credgate.adapters.crypto.sql_keyring",
    "credgate.adapters.notify.tables",
    "credgate.adapters.storage.governance_tables",
)


def load_all_tables() -> MetaData:
    """Import every module that declares tables and return the shared metadata."""
    for name in TABLE_MODULES:
        importlib.import_module(name)
    return metadata
