"""Placeholder: tables are declared here (see credgate.adapters.storage.schema)."""
