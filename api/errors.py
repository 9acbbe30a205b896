"""Every error the API answers has one shape: {"detail": "…", "errors": {"field": ["…"]}}.

`detail` goes through gettext with our msgids. Field messages about types and ranges reuse Django's
own msgids, which Django's catalogue translates; they are held in constants rather than written as
gettext literals so that makemessages does not copy them, untranslated, into our catalogue.
"""

import json
import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from accounts.access import record_denial
from core.errors import OutOfTurn, StateConflict

logger = logging.getLogger(__name__)

NON_FIELD = "__all__"

# Django's msgids (django/conf/locale/*/LC_MESSAGES/django.po).
REQUIRED = "This field is required."
WHOLE_NUMBER = "Enter a whole number."
NUMBER = "Enter a number."
DATE = "Enter a valid date."
VALID_VALUE = "Enter a valid value."
TRUE_OR_FALSE = "“%(value)s” value must be either True or False."
AT_LEAST = "Ensure this value is greater than or equal to %(limit_value)s."
AT_MOST = "Ensure this value is less than or equal to %(limit_value)s."
TOO_LONG = (
    "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
    "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
)
NOT_A_CHOICE = "Select a valid choice. %(value)s is not one of the available choices."
NULL_CHARACTERS = "Null characters are not allowed."
NOT_JSON = "Enter a valid JSON."
CSRF_FAILED = "CSRF verification failed. Request aborted."

# Where ninja says an error was found, and its wrappers: not part of the field a client sent.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
_WRAPPERS = {"payload", "params"}
# The model's names for the fields the API calls by their ids.
_API_NAMES = {"parent": "parent_id", "home_village": "home_village_id"}


class InvalidToken(AuthenticationError):
    """A token was sent and does not work (unknown, revoked, or its user is inactive)."""


class CsrfFailed(HttpError):
    """A session-authenticated unsafe request without a valid CSRF token."""

    def __init__(self) -> None:
        super().__init__(403, "CSRF check failed")


class ObjectParser(Parser):
    """Request bodies are JSON objects; `null`, a list or a bare value is refused (400)."""

    def parse_body(self, request):
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("the body is not a JSON object")
        return data


def field_name(loc) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if parts and parts[0] in _WRAPPERS:
        parts = parts[1:]
    return ".".join(parts) or NON_FIELD


def field_message(error: dict) -> str:
    """One pydantic error in words a user of the API can read, translated."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    shown = ctx.get("shown", "")
    if kind in {"missing", "string_too_short"}:
        return gettext(REQUIRED)
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return gettext(WHOLE_NUMBER)
    if kind in {"finite_number", "float_type", "float_parsing"}:
        return gettext(NUMBER)
    if kind.startswith("date_"):
        return gettext(DATE)
    if kind in {"bool_type", "bool_parsing"} and shown:
        return gettext(TRUE_OR_FALSE) % {"value": shown}
    if kind == "greater_than_equal":
        return gettext(AT_LEAST) % {"limit_value": ctx.get("ge")}
    if kind == "less_than_equal":
        return gettext(AT_MOST) % {"limit_value": ctx.get("le")}
    if kind == "string_too_long":
        limit = int(ctx.get("max_length", 0))
        return ngettext(*TOO_LONG, limit) % {
            "limit_value": limit,
            "show_value": ctx.get("length", 0),
        }
    if kind == "enum" and shown:
        return gettext(NOT_A_CHOICE) % {"value": shown}
    if kind == "null_characters":
        return gettext(NULL_CHARACTERS)
    if kind == "control_characters":
        return _("Control characters and unpaired surrogates are not allowed.")
    return gettext(VALID_VALUE)


def field_errors(errors: list[dict]) -> dict[str, list[str]]:
    by_field: dict[str, list[str]] = {}
    for error in errors:
        messages = by_field.setdefault(field_name(error.get("loc", ())), [])
        message = field_message(error)
        if message not in messages:
            messages.append(message)
    return by_field


def _echo(value) -> str | None:
    """What a message may quote back of a scalar the client sent."""
    if isinstance(value, str | int | float | bool) or value is None:
        return str(value)[:50]
    return None


class SanlianAPI(NinjaAPI):
    def __init__(self, **kwargs):
        kwargs.setdefault("parser", ObjectParser())
        super().__init__(**kwargs)

    def validation_error_from_error_contexts(self, error_contexts):
        # ninja drops each error's input; keep what the messages quote (a length, a short value).
        kept = []
        for context in error_contexts:
            for error in context.pydantic_validation_error.errors(include_url=False):
                value = error.get("input")
                kept.append(
                    {
                        "length": len(value) if isinstance(value, str) else 0,
                        "shown": _echo(value) or "",
                    }
                )
        exc = super().validation_error_from_error_contexts(error_contexts)
        for error, extra in zip(exc.errors, kept, strict=False):
            error["ctx"] = {**(error.get("ctx") or {}), **extra}
        return exc

    def get_openapi_operation_id(self, operation) -> str:
        # An operation's id names its router's module, `api.<area>`, also for an area split
        # into a package (api/assessments/rounds.py is still `api_assessments_…`): the ids
        # are the API's contract with its clients and must not change with the file layout.
        area = ".".join(operation.view_func.__module__.split(".")[:2])
        return f"{area}_{operation.view_func.__name__}".replace(".", "_")


def acting(request, unit, action: str, call):
    """Run a service; its PermissionDenied (wrong level, segregation of duties) answers 403 and
    is recorded as a denial like the access helper's own."""
    try:
        return call()
    except PermissionDenied:
        record_denial(request, request.user, action, reason="forbidden", unit=unit)
        raise


def install(api: NinjaAPI) -> None:
    """Register the handlers that give every error the one shape."""

    def reply(request, status: int, detail: str, errors: dict | None = None):
        body = {"detail": detail}
        if errors:
            body["errors"] = errors
        return api.create_response(request, body, status=status)

    @api.exception_handler(NinjaValidationError)
    def request_not_valid(request, exc):
        # Wrong types, missing fields, values out of range: pydantic's findings, per field.
        return reply(request, 422, _("The data is not valid."), field_errors(exc.errors))

    @api.exception_handler(DjangoValidationError)
    def model_not_valid(request, exc):
        # The model's own rules (orgs.validation), raised by the services.
        if hasattr(exc, "error_dict"):
            errors = {
                _API_NAMES.get(field, field): [str(m) for m in messages]
                for field, messages in exc.message_dict.items()
            }
        else:
            errors = {NON_FIELD: [str(m) for m in exc.messages]}
        if isinstance(exc, StateConflict):
            # The object's present state refuses the write: a conflict, as a stale version.
            return reply(request, 409, " ".join(exc.messages), errors)
        return reply(request, 422, _("The data is not valid."), errors)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return reply(request, 404, _("Not found."))

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        if isinstance(exc, OutOfTurn):
            return reply(request, 409, " ".join(str(a) for a in exc.args))
        return reply(request, 403, _("Not allowed for your role."))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return reply(request, 401, _("Log in or send an API token."))

    @api.exception_handler(CsrfFailed)
    def csrf_failed(request, exc):
        return reply(request, 403, gettext(CSRF_FAILED))

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        if exc.status_code == 400:  # ninja's own: the body is not a JSON object
            return reply(
                request, 400, _("The data is not valid."), {NON_FIELD: [gettext(NOT_JSON)]}
            )
        return reply(request, exc.status_code, str(exc))

    @api.exception_handler(MultiPartParserError)
    def malformed_multipart(request, exc):
        # No boundary, a broken part: the upload cannot be read, and nothing was stored.
        logger.info("API multipart refused: %s", exc)
        return reply(
            request,
            400,
            _("The data is not valid."),
            {NON_FIELD: [_("The upload cannot be read; send it as multipart/form-data.")]},
        )

    @api.exception_handler(IntegrityError)
    def conflict(request, exc):
        # A rule checked before the write was broken by a concurrent write (a unique code, say).
        logger.warning("API write conflict: %s", exc)
        return reply(request, 409, _("The data is not valid."))

    @api.exception_handler(DataError)
    def data_error(request, exc):
        logger.warning("API data refused by the database: %s", exc)
        return reply(request, 422, _("The data is not valid."))
