"""gunicorn's configuration for production: `gunicorn medconsult.wsgi -c deploy/gunicorn.conf.py`.

Each value can be changed through the environment (listed in .env.example).
Sync workers: on this workload they gave the same throughput as threads with a
2-3x better p99 (TOOLING.md), and a worker stuck on a slow call is killed at
`timeout` instead of starving its siblings.
"""

import os


def _cpus() -> int:
    # The CPUs this process may run on (a container's cpuset), not the host's count.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _int(name, default):
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_int('PORT', 8000)}"
# gunicorn's rule of thumb, 2 per CPU + 1: a request spends part of its time waiting
# on PostgreSQL or Redis. WEB_CONCURRENCY (Render and Heroku's name) overrides it,
# e.g. on a small instance whose memory holds fewer (each worker is ~80 MB).
workers = _int("WEB_CONCURRENCY", 2 * _cpus() + 1)
worker_class = "sync"
# A request that takes longer than this is killed (and logged): every outside call
# (Razorpay 8 s, SMTP 10 s, Redis 1 s) gives up well before.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Behind a load balancer that reuses connections.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then, staggered, so a slow leak never grows for weeks.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
# Heartbeat files on tmpfs where there is one (a container's disk can stall them).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# Access log: one JSON line per request (core.logs turns gunicorn's atoms into
# fields): method, path without the query string, status, bytes, duration, and
# the request id and user id the Django middleware put in the response / environ.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
_formatter = "plain" if os.environ.get("LOG_FORMAT") == "plain" else "json"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "core.logs.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": _formatter}
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["stdout"], "level": loglevel.upper()},
}
