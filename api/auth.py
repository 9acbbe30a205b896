from ninja.security import APIKeyHeader, HttpBearer, django_auth

from accounts.services import user_for_token


class BearerToken(HttpBearer):
    """`Authorization: Bearer sl_…` with a token created by `sanlian token create`."""

    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class HeaderToken(APIKeyHeader):
    param_name = "X-API-Token"

    def authenticate(self, request, key):
        user = user_for_token(key or "")
        if user is not None:
            request.user = user
        return user


API_AUTH = [django_auth, BearerToken(), HeaderToken()]
