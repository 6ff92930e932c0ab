"""Linked passports: an item passport that names a model and a batch passport holding the static
data shared by many items, judged and shown together with them (docs/linked.md)."""
