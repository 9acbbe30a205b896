"""Middleware for a real installation (issue 13)."""

import logging

from django.conf import settings

logger = logging.getLogger("sanlian.deploy")
FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_REAL_IP")


class ProxyHeaderWarningMiddleware:
    """Warns once per process when a proxy's headers arrive but SANLIAN_BEHIND_PROXY is off: then
    every user seems to come from the proxy's address, and the per-address lockout counts the
    whole county's mistyped passwords together."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.warned = settings.BEHIND_PROXY

    def __call__(self, request):
        if not self.warned:
            header = next((name for name in FORWARDED_HEADERS if name in request.META), None)
            if header is not None:
                self.warned = True
                logger.warning(
                    "收到代理请求头 %s，但未设置 SANLIAN_BEHIND_PROXY=true："
                    "所有用户的地址都会被视为代理的地址（%s），登录锁定会按代理地址累计。"
                    " Proxy headers arrive but SANLIAN_BEHIND_PROXY is off.",
                    header[5:].replace("_", "-"),
                    request.META.get("REMOTE_ADDR"),
                )
        return self.get_response(request)
