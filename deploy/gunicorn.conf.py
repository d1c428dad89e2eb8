"""gunicorn settings for a Laurel web node: ``gunicorn -c deploy/gunicorn.conf.py``.

Options given on the command line or in GUNICORN_CMD_ARGS override these,
such as ``--bind 0.0.0.0:8000`` in a container or ``--workers 2``. The app
reads its own settings from the ``LAUREL_*`` environment (docs/deploy.md).
"""

from __future__ import annotations

import os


def available_cpus() -> int:
    """Return the CPUs this process may run on (a container's limit, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no sched_getaffinity
        return os.cpu_count() or 1


wsgi_app = "laurel.app:create_app()"
bind = os.environ.get("LAUREL_BIND", "127.0.0.1:8000")

# gunicorn's rule of thumb: two workers per CPU, plus one. WEB_CONCURRENCY,
# which gunicorn itself reads too, sets the number directly.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * available_cpus() + 1))
# Threads let a worker serve other requests while one waits on the database.
worker_class = "gthread"
threads = int(os.environ.get("LAUREL_THREADS", 4))

# Seconds before a worker process that stops sending heartbeats is killed
# and restarted. With gthread workers this does not limit how long one
# request may take.
timeout = 60
# Seconds a worker may finish its requests after SIGTERM before it is killed.
graceful_timeout = 30
keepalive = 5
# NOTE: no max_requests: recycling a worker would also end any roster import
# that runs in one of its background threads.

# Both logs go to the container's output. The access line carries the
# request id that the app sets in X-Request-ID, and the path without its
# query string, which can hold search terms.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LAUREL_GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
)

# gunicorn 27's control socket (~/.gunicorn/gunicorn.ctl) is not used:
# restarts and scaling go through the container engine or systemd.
control_socket_disable = True

# Heartbeat files in memory, so a slow container disk cannot stall workers.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
