"""Circuit breaker and replica order: the rules, on a hand-driven clock."""

from resolver.federation.health import CircuitBreaker, ReplicaSet


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_after_the_configured_consecutive_failures() -> None:
    clock = _Clock()
    breaker = CircuitBreaker(failures=3, cooldown=10, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.failure()
    assert breaker.state == "closed"
    breaker.failure()
    assert breaker.state == "open"
    assert not breaker.allow()
    assert breaker.retry_after() == 10


def test_a_success_resets_the_failure_count() -> None:
    breaker = CircuitBreaker(failures=2, cooldown=10, clock=_Clock())
    breaker.failure()
    breaker.success()
    breaker.failure()
    assert breaker.state == "closed"


def test_after_the_cooldown_exactly_one_probe_goes_through_and_its_success_closes() -> None:
    clock = _Clock()
    breaker = CircuitBreaker(failures=1, cooldown=5, clock=clock)
    breaker.failure()
    clock.now += 5
    assert breaker.state == "half-open"
    assert breaker.allow()
    assert not breaker.allow()  # the probe is in flight
    breaker.success()
    assert breaker.state == "closed" and breaker.allow()


def test_a_failed_probe_opens_the_circuit_for_another_cooldown() -> None:
    clock = _Clock()
    breaker = CircuitBreaker(failures=3, cooldown=5, clock=clock)
    for _ in range(3):
        breaker.failure()
    clock.now += 6
    assert breaker.allow()
    breaker.failure()
    assert breaker.state == "open" and not breaker.allow()
    clock.now += 5
    assert breaker.allow()


def test_a_cancelled_probe_lets_the_next_one_through() -> None:
    clock = _Clock()
    breaker = CircuitBreaker(failures=1, cooldown=1, clock=clock)
    breaker.failure()
    clock.now += 1
    assert breaker.allow()
    breaker.release()
    assert breaker.allow()


def test_replicas_are_tried_in_configured_order_until_one_fails() -> None:
    clock = _Clock()
    replicas = ReplicaSet(["http://a", "http://b", "http://c"], forget_after=30, clock=clock)
    assert replicas.ordered() == ["http://a", "http://b", "http://c"]
    replicas.failure("http://a")
    assert replicas.ordered() == ["http://b", "http://c", "http://a"]
    replicas.failure("http://b")
    replicas.failure("http://a")
    assert replicas.ordered() == ["http://c", "http://b", "http://a"]


def test_a_replica_that_recovers_or_is_forgiven_takes_its_place_again() -> None:
    clock = _Clock()
    replicas = ReplicaSet(["http://a", "http://b"], forget_after=30, clock=clock)
    replicas.failure("http://a")
    replicas.success("http://a")
    assert replicas.ordered() == ["http://a", "http://b"]
    replicas.failure("http://a")
    clock.now += 30
    assert replicas.ordered() == ["http://a", "http://b"]
