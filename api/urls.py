"""The API under /api/v1/: thin routers over the services, scoped by the one access helper."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from api.auth import API_AUTH
from api.units import router as units_router

api = NinjaAPI(
    title="Sanlian API",
    version="1",
    urls_namespace="api",
    auth=API_AUTH,
    docs_url="/docs",
)
api.add_router("/units", units_router)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(
        request, {"detail": _("The data is not valid."), "errors": errors}, status=422
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(request, {"detail": _("Not allowed for your role.")}, status=403)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(request, {"detail": _("Log in or send an API token.")}, status=401)
