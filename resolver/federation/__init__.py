"""Federation: how a node finds, asks and trusts the peers authoritative for other prefixes.

Peer routing, the peer client (replicas, circuit breaker, deadlines), answer verification and
the federation cache; the stages in ``resolver.stages`` put them to work. Its settings, the
``[federation]`` table, are parsed by ``resolver.config.federation``.
"""
