"""Federation fixtures: a real redis-server for the shared cache."""

from tests.support.redis_server import redis_server, redis_url

__all__ = ["redis_server", "redis_url"]
