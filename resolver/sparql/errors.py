"""The endpoint's own errors: each limit a query can hit, with its figure in the problem document.

They extend the node's tree (``resolver.errors``), which chooses every HTTP status:

    ResolverError
    ├── QueryTimeout        503  the query ran past its tier's time limit
    ├── ResultTooLarge      422  more solutions or triples than the limit
    ├── TooManyQueries      429  the caller already has its share of queries running
    ├── IndexNotReady       503  the index is still catching up with the store
    └── IndexRestarted      503  the index process was ended (a query past its limit) while
                                 this request waited on it
"""

from __future__ import annotations

from resolver.errors import ResolverError

__all__ = ["IndexNotReady", "IndexRestarted", "QueryTimeout", "ResultTooLarge", "TooManyQueries"]


class QueryTimeout(ResolverError):
    status = 503
    slug = "query-timeout"
    title = "Query took too long"


class ResultTooLarge(ResolverError):
    status = 422
    slug = "result-too-large"
    title = "Result too large"


class TooManyQueries(ResolverError):
    status = 429
    slug = "too-many-queries"
    title = "Too many queries at once"


class IndexNotReady(ResolverError):
    status = 503
    slug = "index-not-ready"
    title = "Graph index catching up"


class IndexRestarted(ResolverError):
    status = 503
    slug = "index-restarted"
    title = "Graph index restarted"
