"""What the strict reader's messages name, read from the profile: data points, labels, and the
values of each controlled list (the ``sh:in`` lists of the shapes, as terms of our context)."""

from __future__ import annotations

import rdflib
from rdflib.namespace import SH

from resolver.context_terms import Terms
from resolver.profile import Profile

__all__ = ["ProfileVocabulary"]


class ProfileVocabulary:
    """:class:`resolver.passport.strict.Vocabulary` for a loaded profile."""

    def __init__(self, profile: Profile, terms: Terms | None) -> None:
        self.profile = profile
        self.terms = terms
        self._allowed: dict[str, tuple[str, ...]] = {}

    def data_points(self, iri: str) -> tuple[int, ...]:
        return self.profile.data_points_of(iri)

    def label(self, iri: str) -> str:
        info = self.profile.properties.get(iri)
        return info.label if info is not None else iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]

    def allowed(self, iri: str) -> tuple[str, ...]:
        found = self._allowed.get(iri)
        if found is None:
            found = self._allowed[iri] = self._read_allowed(iri)
        return found

    def _read_allowed(self, iri: str) -> tuple[str, ...]:
        shapes = self.profile.shapes
        names: list[str] = []
        for shape in shapes.subjects(SH.path, rdflib.URIRef(iri)):
            for listed in shapes.objects(shape, SH["in"]):
                for item in rdflib.collection.Collection(shapes, listed):
                    name = self._name(str(item))
                    if name not in names:
                        names.append(name)
        return tuple(names)

    def _name(self, iri: str) -> str:
        if self.terms is not None:
            found = self.terms.by_iri.get(iri)
            if found:
                return found[0]
        return iri
