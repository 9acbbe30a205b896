import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanlian.settings")
application = get_wsgi_application()


def _refuse_a_wrong_key() -> None:
    # gunicorn runs no system checks: a worker that cannot boot stops the server with the message.
    from django.db import connections

    from sanlian.keys import KeyMismatch, verify_pii_key

    try:
        verify_pii_key()
    except KeyMismatch as error:
        raise ImproperlyConfigured(str(error)) from None
    finally:
        connections.close_all()


_refuse_a_wrong_key()
