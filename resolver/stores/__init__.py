"""Passport stores: SQLite (embedded default) and Redis (shared), behind one protocol."""

from resolver.stores.base import Change, Record, Store, View

__all__ = ["Change", "Record", "Store", "View"]
