"""Gunicorn settings for the portal in production: `gunicorn` in the repository's folder
reads this file by itself (README, "In production").

Every value can be changed from the environment without editing the file: PORT (or BIND),
WEB_CONCURRENCY (worker processes), GUNICORN_THREADS, GUNICORN_TIMEOUT.
"""

import gc
import multiprocessing
import os

wsgi_app = "portal:create_app()"
bind = os.environ.get("BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Processes, not threads, carry the load: two per core and one more, as gunicorn advises.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# An upload of 55 MB over a slow line must finish; a stuck worker is still replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (with jitter), so no slow leak grows forever.
# Not sooner: a new worker starts with empty caches (compiled templates, the kept pages of
# portal/pagecache.py, the board's figures); at 2 000 the benchmark's runs met a restart every
# few thousand requests and lost a third of their throughput while the new worker warmed up.
max_requests = 20000
max_requests_jitter = 2000
# The app is loaded once, before the workers fork: a setting that would stop it stops
# gunicorn at once with the reason (PORTAL_ENV=production's checks), not in every worker.
preload_app = True
# Forwarded headers are the portal's to judge (TRUSTED_PROXIES, Werkzeug's ProxyFix):
# gunicorn itself trusts none.
forwarded_allow_ips = ""
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'


def pre_fork(server, worker):
    """The objects made while loading the app (preload_app: the models, the routes, the
    translations, thousands of them) are moved out of the garbage collector's sight before
    each worker is forked. They live as long as the process; without this each full
    collection in a worker walked them all, a pause of about 130 ms (against 14 ms) every few
    hundred requests, and wrote to every page they sit on, undoing the sharing of memory
    with the parent (Python's documentation of gc.freeze)."""
    gc.freeze()


def post_fork(server, worker):
    """Each worker opens its own database connections: none made while the app was loaded
    in the parent may be shared across the fork."""
    from portal.extensions import db

    with server.app.wsgi().app_context():
        db.engine.dispose(close=False)
