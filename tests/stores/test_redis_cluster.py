"""The Redis store on a real Redis Cluster while slots move (``redis-cli --cluster reshard``):
writes and reads go on, and nothing acknowledged is lost."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from resolver.errors import StoreUnavailable
from resolver.stores import open_store
from resolver.tiers import Tier
from tests.support.redis_cluster import RedisCluster
from tests.support.waiting import until

pytestmark = pytest.mark.skipif(shutil.which("redis-cli") is None, reason="redis-cli is not installed")


def _owners(cluster: RedisCluster, partitions: int) -> list[int]:
    """The port of the master that holds each partition's slot."""
    with cluster.servers[0].client() as client:
        ranges = client.execute_command("CLUSTER", "SLOTS")
        owners = []
        for n in range(partitions):
            slot = int(client.execute_command("CLUSTER", "KEYSLOT", f"{{p{n}}}"))
            owners.append(next(int(r[2][1]) for r in ranges if int(r[0]) <= slot <= int(r[1])))
    return owners


def _masters(cluster: RedisCluster) -> list[tuple[str, int]]:
    """(node id, port) of each master."""
    out = []
    for server in cluster.servers:
        with server.client() as client:
            role = client.execute_command("ROLE")[0]
            if role in (b"master", "master"):
                node_id = client.execute_command("CLUSTER", "MYID")
                out.append((node_id.decode() if isinstance(node_id, bytes) else node_id, server.port))
    return out


def _reshard_plan(cluster: RedisCluster, partitions: int, *, moving: int) -> tuple[str, int, str, int]:
    """(source id, source port, target id, slot count): the fewest of a master's lowest slots that
    take ``moving`` partitions' slots along, and another master to move them to."""
    with cluster.servers[0].client() as client:
        ranges = client.execute_command("CLUSTER", "SLOTS")
        tagged = {int(client.execute_command("CLUSTER", "KEYSLOT", f"{{p{n}}}")) for n in range(partitions)}
    held: dict[tuple[str, int], list[int]] = {}
    for first, last, (_, master_port, master_id, *_rest), *_replicas in ranges:
        name = master_id.decode() if isinstance(master_id, bytes) else str(master_id)
        held.setdefault((name, int(master_port)), []).extend(range(int(first), int(last) + 1))
    plans = []
    for (name, master_port), slots in held.items():
        slots.sort()
        reached = [n + 1 for n, slot in enumerate(slots) if slot in tagged]
        if len(reached) >= moving:
            plans.append((reached[moving - 1], name, master_port))
    count, source, port = min(plans)
    target = next(name for name, _ in held if name != source)
    return source, port, target, count


async def test_resharding_while_serving_loses_nothing(
    redis_cluster: RedisCluster, redis_cluster_url: str
) -> None:
    """Slots move from one master to another (redis-cli's own resharding) while four writers put
    and read: every acknowledged write is there after, and each partition's feed has no gap.

    redis-cli moves a source master's lowest slots first, one slot at a time, and a partition's
    keys sit in one slot (their hash tag ``{pN}``). So the test moves from the master whose second
    partition slot comes soonest, up to that slot: two partitions' keys move while being written
    (``ASK``/``MOVED``, a slot half-migrated), as with any larger count, in ~940 slot moves on a
    fresh cluster instead of the 3000 this test moved before (the writers spin on a core all the
    while). The slots between hold none of the partitions' keys (at most the store's one untagged
    key, its number of partitions, read when it opens), so moving more of them tests nothing more.
    """
    store = await open_store(redis_cluster_url)
    source, port, target, count = _reshard_plan(redis_cluster, store.partitions, moving=2)
    acknowledged: dict[str, int] = {}
    failures: list[str] = []
    stop = asyncio.Event()

    async def writer(n: int) -> None:
        i = 0
        while not stop.is_set():
            handle = f"88.100.1/MOVE-{n}-{i % 40}"
            try:
                record = await store.put(handle, {Tier.PUBLIC: b"%d" % i})
                acknowledged[handle] = record.version
                view = await store.get_view(handle, Tier.PUBLIC)
                assert view is not None and view.version >= record.version
            except StoreUnavailable as err:
                failures.append(str(err))
            i += 1

    try:
        writers = [asyncio.create_task(writer(n)) for n in range(4)]
        await asyncio.sleep(0.2)
        before = _owners(redis_cluster, store.partitions)
        reshard = await asyncio.create_subprocess_exec(
            "redis-cli", "--cluster", "reshard", f"127.0.0.1:{port}",
            "--cluster-from", source, "--cluster-to", target,
            "--cluster-slots", str(count), "--cluster-yes", "--cluster-pipeline", "10",
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        _, err = await asyncio.wait_for(reshard.communicate(), 120)
        assert reshard.returncode == 0, err.decode()[-2000:]
        stop.set()
        await asyncio.gather(*writers)
        moved = sum(a != b for a, b in zip(before, _owners(redis_cluster, store.partitions), strict=True))
        assert moved == 2, f"{moved} partitions moved, not the 2 planned: the test would prove less"
        assert not failures, failures[:3]
        assert len(acknowledged) == 160
        for handle, version in acknowledged.items():
            view = await store.get_view(handle, Tier.PUBLIC)
            assert view is not None and view.version == version, handle
        total = 0
        for partition in range(store.partitions):
            seqs = [c.seq for c in await store.changes(partition=partition, limit=100_000)]
            assert seqs == list(range(1, len(seqs) + 1)), f"partition {partition} has a gap"
            total += len(seqs)
        assert total == sum(acknowledged.values())
    finally:
        stop.set()
        await store.aclose()


@pytest.fixture(scope="module", autouse=True)
def failover_cluster() -> Iterator[RedisCluster]:
    """The failover test's own cluster, its servers launched as the module starts: the 2 s
    before a new master turns ok pass while the other test runs (when it runs first).

    Its nodes take a master that has not answered for 1 s for failed (``cluster-node-timeout``;
    the session's cluster waits 2 s, as it has no failover to wait for): the replica is elected
    ~1 s after that instead of ~2 s, and a live master answers its peers' pings well within it."""
    cluster = RedisCluster(node_timeout=1000).launch()
    try:
        yield cluster
    finally:
        cluster.stop()


async def test_a_failed_master_is_replaced_and_replicated_writes_survive(
    failover_cluster: RedisCluster,
) -> None:
    """Kill a master (its own cluster, so the session's stays whole): once its replica took
    over, every write the replica had acknowledged (``WAIT``) is there, and writes go on."""
    cluster = failover_cluster.start()
    try:
        store = await open_store(cluster.url + "?namespace=failover")
        try:
            handles = [f"88.100.1/FAIL-{i}" for i in range(64)]
            for handle in handles:
                await store.put(handle, {Tier.PUBLIC: b"before"})
            victim = next(s for s in cluster.servers if s.port == _masters(cluster)[0][1])
            owners = _owners(cluster, store.partitions)
            assert victim.port in {owners[store.partition_of(h)] for h in handles}, (
                "the test would prove nothing"
            )
            with victim.client() as client:
                # What Redis promises survives a failover: writes a replica has acknowledged.
                assert int(client.execute_command("WAIT", 1, 5000)) == 1
            victim.kill(hard=True)

            async def back() -> bool:
                try:
                    await store.put("88.100.1/FAIL-PROBE", {Tier.PUBLIC: b"after"})
                    for handle in handles:
                        await store.get_view(handle, Tier.PUBLIC)
                except StoreUnavailable:
                    return False
                return True

            # Each try costs ~20 ms of CPU while the slots have no master (the cluster client
            # finds the connection refused and maps the cluster again), and a failover takes
            # seconds (cluster-node-timeout 1 s, then the replica's election): tried every 0.2 s.
            await until(back, what="the replica to take over the failed master's slots", bound=30, every=0.2)
            for handle in handles:
                view = await store.get_view(handle, Tier.PUBLIC)
                assert view is not None and (view.version, view.body) == (1, b"before"), handle
            record = await store.put(handles[0], {Tier.PUBLIC: b"again"})
            assert record.version == 2
        finally:
            await store.aclose()
    finally:
        cluster.stop()
