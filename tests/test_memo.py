"""The memo every in-process cache uses: bounded in bytes, least recently used dropped first."""

from resolver.memo import Memo, memoize


def _size(key: str, value: bytes) -> int:
    return len(value)


def test_the_memo_never_holds_more_bytes_than_its_budget() -> None:
    memo: Memo[str, bytes] = Memo(100, _size)
    for i in range(50):
        memo.put(f"k{i}", b"x" * 20)
        assert memo.bytes <= 100
    assert len(memo) == 5
    assert memo.get("k49") == b"x" * 20 and memo.get("k0") is None


def test_a_hit_keeps_an_entry_and_the_least_recently_used_goes_first() -> None:
    memo: Memo[str, bytes] = Memo(100, _size)
    for key in ("a", "b", "c", "d"):
        memo.put(key, b"x" * 25)
    assert memo.get("a") is not None
    memo.put("e", b"x" * 25)
    assert "a" in memo and "b" not in memo


def test_an_entry_over_a_quarter_of_the_budget_is_not_kept() -> None:
    memo: Memo[str, bytes] = Memo(100, _size)
    memo.put("small", b"x")
    memo.put("large", b"x" * 26)
    assert "large" not in memo and "small" in memo


def test_replacing_and_popping_an_entry_keeps_the_count_of_bytes_right() -> None:
    memo: Memo[str, bytes] = Memo(100, _size)
    memo.put("a", b"x" * 10)
    memo.put("a", b"x" * 20)
    assert memo.bytes == 20
    assert memo.pop("a") == b"x" * 20 and memo.bytes == 0
    assert memo.pop("a") is None


def test_memoize_calls_the_function_once_per_argument() -> None:
    calls: list[int] = []

    def square(n: int) -> int:
        calls.append(n)
        return n * n

    memoized = memoize(square, max_bytes=1000, size=lambda a, r: 10)
    assert [memoized(3), memoized(3), memoized(4)] == [9, 9, 16]
    assert calls == [3, 4]
