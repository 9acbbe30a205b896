"""gunicorn settings for Sanlian: `gunicorn -c deploy/gunicorn.conf.py sanlian.wsgi:application`.

Every value can be overridden from the environment (SANLIAN_BIND, SANLIAN_WEB_WORKERS,
SANLIAN_WEB_TIMEOUT) so the systemd unit and the install test use this one file.
"""

import multiprocessing
import os

wsgi_app = "sanlian.wsgi:application"
# Behind nginx on the same host; SANLIAN_BIND=0.0.0.0:8000 serves an intranet directly.
bind = os.environ.get("SANLIAN_BIND", "127.0.0.1:8000")
# Sync workers: every request is short except exports and small PDFs, which run in the request.
workers = int(os.environ.get("SANLIAN_WEB_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "sync"
# Register exports and a township's PDF are synchronous: give them two minutes, not 30 s.
timeout = int(os.environ.get("SANLIAN_WEB_TIMEOUT", 120))
graceful_timeout = 60
keepalive = 5
# Recycle workers now and then so that a slow leak never grows into an outage.
max_requests = 2000
max_requests_jitter = 200
# Django reads the settings once per worker; preloading would share database connections.
preload_app = False
# Access and error logs on stdout/stderr: journald keeps them (see docs/deploy.zh.md).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("SANLIAN_GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" request_id=%({x-request-id}o)s'
# nginx on the same host sets X-Forwarded-*; Django decides whether to trust them.
forwarded_allow_ips = os.environ.get("SANLIAN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "sanlian-web"
