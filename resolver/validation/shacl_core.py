"""A fast conformance check for the profile's shapes: answers "conforms" only when pyshacl would
report nothing, and "unsure" otherwise, so the caller runs pyshacl for the full report.

Most passports conform; for them this replaces pyshacl's per-shape machinery with a walk over an
index of the data graph. It uses pyshacl's own shape objects and constraint components.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Protocol

import rdflib
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from resolver import jsonld
from resolver.validation.direct_rules import RuleWalk, walk_for

if TYPE_CHECKING:
    from pyshacl.constraints.constraint_component import ConstraintComponent
    from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
    from pyshacl.shape import Shape
    from pyshacl.shapes_graph import ShapesGraph

__all__ = ["CoreChecker", "Diagnosis", "SparqlRun", "Unsupported"]

Triple = jsonld.Triple
# subject -> predicate -> objects: one passport's graph as the check reads it.
_Index = dict[Node, dict[Node, set[Node]]]


class _Shape(Protocol):
    """The parts of a pyshacl Shape read here (pyshacl leaves most of them untyped)."""

    @property
    def node(self) -> Node: ...

    @property
    def deactivated(self) -> bool: ...

    @property
    def is_property_shape(self) -> bool: ...

    def path(self) -> Node: ...  # of a property shape


class _QueryHelper(Protocol):
    """The parts of pyshacl's _QueryHelper read here (untyped in pyshacl)."""

    select_text: str

    def pre_bind_variables(self, thisnode: Node) -> tuple[dict[str, Node], str]: ...

    def apply_prefixes(self, sparql: str) -> str: ...


class SparqlRun(Protocol):
    """Evaluates one SPARQL constraint for one focus node: True if it reports anything."""

    def __call__(self, component: SPARQLBasedConstraint, text: str, bindings: dict[str, Node]) -> bool: ...


# Components whose verdict depends only on the value nodes of one focus node (no data-graph
# reads, no nested shapes): their pyshacl ``evaluate`` is called as is, so their semantics
# (datatype well-formedness, literal comparison, regex flags ...) are pyshacl's own.
_VALUE_COMPONENTS = frozenset(
    {
        "DatatypeConstraintComponent",
        "NodeKindConstraintComponent",
        "MinLengthConstraintComponent",
        "MaxLengthConstraintComponent",
        "PatternConstraintComponent",
        "InConstraintComponent",
        "MinInclusiveConstraintComponent",
        "MaxInclusiveConstraintComponent",
        "MinExclusiveConstraintComponent",
        "MaxExclusiveConstraintComponent",
        "LanguageInConstraintComponent",
        "UniqueLangConstraintComponent",
    }
)
# Of those, the ones that judge a focus node's values together rather than one by one.
_SET_COMPONENTS = frozenset({"UniqueLangConstraintComponent"})
_PASSED_MAX = 4096  # per shape: repeated values (units, codes, names) are what hits; bounds memory
# Handled here: counts, sh:class, sh:node, sh:property, sh:sparql, sh:or.
_OWN = {SH.minCount, SH.maxCount, SH["class"], SH.node, SH.property, SH.sparql, SH["or"]}
_MAX_DEPTH = 32
_DECOMPOSABLE_DEPTH = 12
_IS_SUBCLASS_OF = str(RDFS.subClassOf).__eq__


class Unsupported(Exception):
    """The shapes use something this checker does not implement: use pyshacl for every passport."""


class _Compiled:
    __slots__ = (
        "alternatives",
        "classes",
        "deactivated",
        "max_count",
        "min_count",
        "node",
        "nodes",
        "passed",
        "path",
        "properties",
        "set_values",
        "sparql",
        "values",
    )

    def __init__(self, node: Node) -> None:
        self.node = node  # the shape's node in the shapes graph
        self.deactivated = False
        self.path: tuple[rdflib.URIRef, ...] | None = None  # a predicate or a sequence of them
        self.min_count: int | None = None
        self.max_count: int | None = None
        self.values: list[ConstraintComponent] = []  # per-value components
        self.set_values: list[ConstraintComponent] = []  # components judging the value nodes together
        self.passed: dict[int, Node] = {}  # id -> value that passed every per-value component
        self.classes: list[rdflib.URIRef] = []
        self.nodes: list[_Compiled] = []
        self.properties: list[_Compiled] = []
        # (component, query helper, the rule's direct walk if it has one: resolver/validation/direct_rules.py)
        self.sparql: list[tuple[SPARQLBasedConstraint, _QueryHelper, RuleWalk | None]] = []
        self.alternatives: list[list[_Compiled]] = []  # sh:or: each value conforms to one member


class CoreChecker:
    """Compiled from a pyshacl ShapesGraph (after pyshacl has harvested its shapes).

    ``conforms(triples, run_sparql)`` is True only if pyshacl would find no result; False means
    "not shown to conform", never "invalid". ``run_sparql(component, text, bindings)`` evaluates
    one SPARQL constraint for one focus node and returns pyshacl's list of violations.
    """

    def __init__(self, shapes_graph: ShapesGraph, *, advanced: bool) -> None:
        if advanced or getattr(shapes_graph, "js_enabled", False):
            raise Unsupported("SHACL-AF or SHACL-JS shapes")
        from pyshacl.constraints import CONSTRAINT_PARAMETERS_MAP

        self._map = CONSTRAINT_PARAMETERS_MAP
        self._type = jsonld.intern_iri(str(RDF.type))
        self._sg = shapes_graph
        self._compiled: dict[Node, _Compiled] = {}
        self._targeted: list[tuple[_Compiled, list[Node], list[Node], list[Node], list[Node]]] = []
        for shape in shapes_graph.shapes:
            compiled = self._compile(shape)
            nodes, classes, implicit, objects_of, subjects_of = (list(part) for part in shape.target())
            if nodes or classes or implicit or objects_of or subjects_of:
                classes, subjects_of = _interned(classes + implicit), _interned(subjects_of)
                self._targeted.append((compiled, nodes, classes, subjects_of, _interned(objects_of)))
        # A pair can be run on its own (diagnose) if no shape reaches itself (pyshacl skips a
        # recursion by the path it came along) and no path nears pyshacl's depth limit (15).
        depths = [_depth(compiled, ()) for compiled in self._compiled.values()]
        self._decomposable = all(0 <= depth <= _DECOMPOSABLE_DEPTH for depth in depths)

    @property
    def decomposable(self) -> bool:
        """:meth:`diagnose` names pairs (else it says ``whole`` for any passport it cannot clear)."""
        return self._decomposable

    def _compile(self, shape: Shape) -> _Compiled:
        found = self._compiled.get(shape.node)
        if found is not None:
            return found
        compiled = self._compiled[shape.node] = _Compiled(shape.node)
        read: _Shape = shape  # the typed view of what pyshacl leaves untyped
        compiled.deactivated = bool(read.deactivated)
        if read.is_property_shape:
            compiled.path = _path(self._sg.graph, read.path(), shape.node)
        graph = self._sg.graph
        components: dict[str, type[ConstraintComponent]] = {}
        for predicate, value in graph.predicate_objects(shape.node):
            if predicate in _OWN:
                if predicate == SH.minCount:
                    compiled.min_count = _count(value)
                elif predicate == SH.maxCount:
                    compiled.max_count = _count(value)
                elif predicate == SH["class"]:
                    if not isinstance(value, rdflib.URIRef):
                        raise Unsupported("sh:class with a non-IRI value")
                    compiled.classes.append(jsonld.intern_iri(str(value)))
                elif predicate == SH.node:
                    compiled.nodes.append(self._compile(self._sg.lookup_shape_from_node(value)))
                elif predicate == SH.property:
                    compiled.properties.append(self._compile(self._sg.lookup_shape_from_node(value)))
                elif predicate == SH["or"]:
                    compiled.alternatives.append(self._compile_or(value))
                continue
            cls = self._map.get(predicate)
            if cls is None:
                continue  # not a constraint parameter (sh:name, sh:message, targets ...)
            name = getattr(cls, "cls", cls).constraint_name()
            if name not in _VALUE_COMPONENTS:
                raise Unsupported(f"{name} on {shape.node}")
            components.setdefault(name, getattr(cls, "cls", cls))
        built = [(name, cls(shape)) for name, cls in components.items()]
        compiled.values = [component for name, component in built if name not in _SET_COMPONENTS]
        compiled.set_values = [component for name, component in built if name in _SET_COMPONENTS]
        if any(True for _ in graph.objects(shape.node, SH.sparql)):
            from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint

            component = SPARQLBasedConstraint(shape)
            compiled.sparql = [
                (component, helper, walk_for(helper.select_text))
                for helper in component.sparql_constraints
                if not helper.deactivated
            ]
        return compiled

    def _compile_or(self, members: Node) -> list[_Compiled]:
        nodes = list(rdflib.collection.Collection(self._sg.graph, members))
        compiled = [self._compile(self._sg.lookup_shape_from_node(node)) for node in nodes]
        if not compiled or any(_has_sparql(member, set()) for member in compiled):
            # A member's SPARQL check would be deferred past the choice between members.
            raise Unsupported("sh:or with SPARQL constraints in its members, or no members")
        return compiled

    def conforms(self, triples: Iterable[Triple], run_sparql: SparqlRun) -> bool:
        index = _index_of(triples)
        if index is None:
            return False
        walk = _Walk(index, run_sparql, self._type)
        for compiled, node in self._focus(index):
            if not walk.check(compiled, node, 0):
                return False
        return walk.run_deferred()

    def diagnose(self, triples: Iterable[Triple]) -> Diagnosis:
        """Which (shape, focus node) pairs pyshacl must run to find every result: a pair left
        out is one whose constraints, sh:property aside, are shown to report nothing there (its
        property shapes' pairs are judged on their own). SPARQL constraints are settled later
        (:meth:`Diagnosis.settle`). ``whole`` when it cannot tell: run pyshacl on everything."""
        index = _index_of(triples)
        if index is None:
            return Diagnosis(None)
        walk = _Walk(index, _unasked, self._type)
        suspects: set[tuple[Node, Node]] = set()
        for compiled, node in self._focus(index):
            if not self._decomposable:
                if not walk.check(compiled, node, 0):
                    return Diagnosis(None)
            else:
                walk.diagnose(compiled, node, 0, suspects)
        return Diagnosis(walk, suspects)

    def _focus(self, index: _Index) -> Iterator[tuple[_Compiled, Node]]:
        """Each targeted (active) shape with each of its focus nodes in the passport."""
        for compiled, nodes, classes, subjects_of, objects_of in self._targeted:
            if compiled.deactivated:
                continue
            focus: set[Node] = set(nodes)
            if classes or subjects_of or objects_of:
                for subject, by_predicate in index.items():
                    if classes:
                        types = by_predicate.get(self._type)
                        if types is not None and any(c in types for c in classes):
                            focus.add(subject)
                    for predicate in subjects_of:
                        if predicate in by_predicate:
                            focus.add(subject)
                    for predicate in objects_of:
                        focus.update(by_predicate.get(predicate, ()))
            for node in focus:
                yield compiled, node


def _index_of(triples: Iterable[Triple]) -> _Index | None:
    """The passport's index, or None if it states subclasses (class targets and sh:class would
    need the subclass closure)."""
    index: _Index = {}
    for s, p, o in triples:
        if _IS_SUBCLASS_OF(p):  # str's __eq__: rdflib's URIRef.__eq__ is slow Python
            return None
        by_predicate = index.get(s)
        if by_predicate is None:
            by_predicate = index[s] = {}
        objects = by_predicate.get(p)
        if objects is None:
            by_predicate[p] = {o}
        else:
            objects.add(o)
    return index


def _unasked(component: SPARQLBasedConstraint, text: str, bindings: dict[str, Node]) -> bool:
    raise AssertionError("a diagnosis settles its SPARQL constraints in Diagnosis.settle")


class Diagnosis:
    """:meth:`CoreChecker.diagnose`'s answer for one passport.

    ``suspects``: (shape node, focus node) pairs for pyshacl's ``Shape.validate``; their results
    together are the results of pyshacl's whole run. ``whole``: run pyshacl on everything."""

    __slots__ = ("_walk", "suspects", "whole")

    def __init__(self, walk: _Walk | None, suspects: set[tuple[Node, Node]] | None = None) -> None:
        self._walk = walk
        self.whole = walk is None
        self.suspects: set[tuple[Node, Node]] = suspects or set()

    @property
    def conforms(self) -> bool:
        """Shown to conform (meaningful once settled)."""
        return not self.whole and not self.suspects

    def settle(self, run_sparql: SparqlRun) -> None:
        """Ask the SPARQL constraints met on the way (those of suspect pairs need not be: pyshacl
        runs them with the pair); a constraint that reports makes its owner a suspect."""
        walk = self._walk
        if walk is None:
            return
        for component, helper, focus, rule, owner in walk.deferred:
            if owner in self.suspects:
                continue
            if rule is not None and rule(walk.index, focus):
                continue
            bindings, text = helper.pre_bind_variables(focus)
            if run_sparql(component, helper.apply_prefixes(text), bindings):
                if owner is None:
                    self.whole = True
                    return
                self.suspects.add(owner)


class _Walk:
    """One passport's check. SPARQL constraints are deferred until every Core check passed (they
    need the pyoxigraph copy of the graph, which an invalid passport never has to pay for)."""

    __slots__ = ("deferred", "index", "owner", "run_sparql", "type")

    def __init__(self, index: _Index, run_sparql: SparqlRun, rdf_type: rdflib.URIRef) -> None:
        self.type = rdf_type
        self.index = index
        self.run_sparql = run_sparql
        # The (shape, focus) pair a failure is reported at: while checking its own constraints
        # (sh:node and sh:or included), every failure below is reported at it.
        self.owner: tuple[Node, Node] | None = None
        self.deferred: list[
            tuple[SPARQLBasedConstraint, _QueryHelper, Node, RuleWalk | None, tuple[Node, Node] | None]
        ] = []

    def check(self, shape: _Compiled, focus: Node, depth: int) -> bool:
        values = self._own(shape, focus, depth)
        if values is None:
            return False
        for property_shape in shape.properties:
            for value in values:
                if not self.check(property_shape, value, depth + 1):
                    return False
        return True

    def diagnose(self, shape: _Compiled, focus: Node, depth: int, suspects: set[tuple[Node, Node]]) -> None:
        """:meth:`check` that goes on past failures, noting the pairs that failed."""
        pair = (shape.node, focus)
        outer, self.owner = self.owner, pair
        values = self._own(shape, focus, depth)
        self.owner = outer
        if values is None:
            suspects.add(pair)  # pyshacl runs the shape there, property shapes included
            return
        for property_shape in shape.properties:
            for value in values:
                self.diagnose(property_shape, value, depth + 1, suspects)

    def _own(self, shape: _Compiled, focus: Node, depth: int) -> set[Node] | None:
        """The shape's value nodes at ``focus`` if its constraints other than sh:property pass
        there (SPARQL ones deferred), else None."""
        if shape.deactivated:
            return set()
        if depth > _MAX_DEPTH:
            return None
        if shape.path is None:
            values: set[Node] = {focus}
        else:
            values = {focus}
            for predicate in shape.path:
                step: set[Node] = set()
                for node in values:
                    by_predicate = self.index.get(node)
                    if by_predicate is not None:
                        step.update(by_predicate.get(predicate, ()))
                values = step
        if shape.min_count is not None and len(values) < shape.min_count:
            return None
        if shape.max_count is not None and len(values) > shape.max_count:
            return None
        if values and not self._values_conform(shape, focus, values, depth):
            return None
        for component, helper, walk in shape.sparql:
            # SPARQL constraints use the focus node, not value nodes, whatever the shape kind.
            self.deferred.append((component, helper, focus, walk, self.owner))
        return values

    def _values_conform(self, shape: _Compiled, focus: Node, values: set[Node], depth: int) -> bool:
        if shape.values:
            passed = shape.passed
            for value in values:
                # Verdicts of these components depend on the value alone; IRIs and literals
                # are shared between passports (resolver/jsonld.py), so most are known.
                found = passed.get(id(value))
                if found is not None and found is value:
                    continue
                if not _values_pass(shape.values, focus, {value}):
                    return False
                if not isinstance(value, rdflib.BNode):
                    if len(passed) >= _PASSED_MAX:
                        passed.clear()
                    passed[id(value)] = value  # held, so its id is not reused meanwhile
        if shape.set_values and not _values_pass(shape.set_values, focus, values):
            return False
        for cls in shape.classes:
            for value in values:
                if isinstance(value, rdflib.Literal):
                    return False
                types = self.index.get(value, {}).get(self.type)
                if types is None or cls not in types:
                    return False
        for members in shape.alternatives:
            for value in values:
                if not any(self.check(member, value, depth + 1) for member in members):
                    return False
        for node_shape in shape.nodes:
            for value in values:
                if not self.check(node_shape, value, depth + 1):
                    return False
        return True

    def run_deferred(self) -> bool:
        for component, helper, focus, walk, _ in self.deferred:
            if walk is not None and walk(self.index, focus):
                continue  # the rule certainly reports nothing here: no query to run
            bindings, text = helper.pre_bind_variables(focus)
            if self.run_sparql(component, helper.apply_prefixes(text), bindings):
                return False
        return True


def _depth(shape: _Compiled, path: tuple[int, ...]) -> int:
    """How deep pyshacl's evaluation goes from ``shape``; -1 if a shape can reach itself."""
    if id(shape) in path:
        return -1
    deepest = 0
    nested = (*shape.nodes, *shape.properties, *(m for ms in shape.alternatives for m in ms))
    for child in nested:
        below = _depth(child, (*path, id(shape)))
        if below < 0:
            return -1
        deepest = max(deepest, below + 1)
    return deepest


def _has_sparql(shape: _Compiled, seen: set[int]) -> bool:
    if id(shape) in seen:
        return False
    seen.add(id(shape))
    nested = (*shape.nodes, *shape.properties, *(m for ms in shape.alternatives for m in ms))
    return bool(shape.sparql) or any(_has_sparql(child, seen) for child in nested)


def _values_pass(components: list[ConstraintComponent], focus: Node, values: set[Node]) -> bool:
    f_v = {focus: values}
    for component in components:
        try:
            # These components read neither the executor nor the data graph (see _VALUE_COMPONENTS).
            ok, _ = component.evaluate(None, None, f_v, [])  # type: ignore[arg-type]
        except Exception:  # a failing value: pyshacl builds its result from the graph
            return False
        if not ok:
            return False
    return True


def _interned(terms: list[Node]) -> list[Node]:
    return [jsonld.intern_iri(str(t)) if isinstance(t, rdflib.URIRef) else t for t in terms]


def _path(graph: rdflib.Graph, path: Node, shape: Node) -> tuple[rdflib.URIRef, ...]:
    """A predicate path, or a sequence path of predicates, as a tuple of predicates."""
    if isinstance(path, rdflib.URIRef):
        return (jsonld.intern_iri(str(path)),)
    items = list(rdflib.collection.Collection(graph, path)) if graph.value(path, RDF.first) else []
    predicates = [item for item in items if isinstance(item, rdflib.URIRef)]
    if len(items) >= 2 and len(predicates) == len(items):
        return tuple(jsonld.intern_iri(str(predicate)) for predicate in predicates)
    raise Unsupported(f"the path of {shape} is neither a predicate nor a sequence of predicates")


def _count(value: Node) -> int:
    if not isinstance(value, rdflib.Literal) or not isinstance(value.value, int):
        raise Unsupported(f"a count that is not an integer: {value!r}")
    return int(value.value)
