"""Paths under /api/ answer like the API whatever the router makes of them (issue 16).

- A collection's path is the same with and without its trailing slash: `POST /api/v1/units`
  reaches `POST /api/v1/units/` (internally, no redirect: a client following a redirect would
  lose the body, and Django refuses to redirect a POST in debug mode, with a 500).
- An unknown path (404) and a wrong method (405) answer the API's JSON error shape, not
  Django's HTML page or ninja's plain text.
"""

from django.http import JsonResponse
from django.urls import Resolver404, get_resolver
from django.utils.translation import gettext as _

PREFIX = "/api/"


def _resolves(path: str) -> bool:
    try:
        get_resolver().resolve(path)
    except Resolver404:
        return False
    return True


def _same_path_other_slash(path: str) -> str | None:
    other = path[:-1] if path.endswith("/") else path + "/"
    if other != PREFIX and not _resolves(path) and _resolves(other):
        return other
    return None


class ApiPathsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        other = _same_path_other_slash(request.path_info)
        if other is not None:
            request.path = request.path[: len(request.path) - len(request.path_info)] + other
            request.path_info = other
        response = self.get_response(request)
        if response.status_code in (404, 405) and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            detail = _("Not found.") if response.status_code == 404 else _("Method not allowed.")
            answer = JsonResponse({"detail": detail}, status=response.status_code)
            if response.has_header("Allow"):
                answer["Allow"] = response["Allow"]
            return answer
        return response
