"""Container health check for a printing worker: exit 0 while it is registered.

The worker runs as ``laurel-printing worker --name printing-<hostname>``
(see docker-compose.yml). RQ keeps each live worker's key in Redis and
drops it when the worker stops or misses its heartbeats, so the key's
presence shows that this container's worker is alive and can reach Redis.
"""

from __future__ import annotations

import os
import socket
import sys

import redis
from rq import Worker


def main() -> int:
    url = os.environ.get("LAUREL_REDIS_URL", "redis://127.0.0.1:6379/0")
    name = f"printing-{socket.gethostname()}"
    try:
        connection = redis.Redis.from_url(url, socket_connect_timeout=5)
        key = Worker.redis_worker_namespace_prefix + name
        worker = Worker.find_by_key(key, connection)
    except redis.RedisError as error:
        print(f"Redis at {url} unreachable: {error}", file=sys.stderr)
        return 1
    if worker is None:
        print(f"worker {name} is not registered in Redis", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
