"""Log-in lockout with one threshold per kind of count, so that a shared office address is not one
person: an account from one address, an account from anywhere, and one address across accounts.

django-axes compares the largest count over its lockout parameters with one limit. This handler
scales each parameter's count to that limit, so that each parameter locks at its own threshold.
"""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings

# In the order of settings.AXES_LOCKOUT_PARAMETERS.
LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"], "ip_address"]


def lockout_thresholds() -> list[int]:
    return [
        settings.SANLIAN_LOCKOUT_ACCOUNT_FAILURES,
        settings.AXES_FAILURE_LIMIT,
        settings.SANLIAN_LOCKOUT_ADDRESS_FAILURES,
    ]


class PerParameterThresholdHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        """The failures as axes compares them with AXES_FAILURE_LIMIT: a parameter whose own count
        has reached its threshold scales to at least the limit, the others stay below it."""
        limit = settings.AXES_FAILURE_LIMIT
        scaled = [0]
        for attempts, threshold in zip(
            self.get_user_attempts(request, credentials), lockout_thresholds(), strict=True
        ):
            count = sum(attempts.values_list("failures_since_start", flat=True))
            scaled.append(count * limit // threshold)
        return max(scaled)
