"""The assessment chain over the API: rounds, assessments, scores, evidence, the chain's moves,
spot checks and titles.

Thin: every unit is reached through accounts.access (404 outside the caller's subtrees, each
denial recorded), every write goes through assessments.services, and the services' refusals
answer in the one error shape: PermissionDenied 403 (recorded as a denial), ValidationError 422,
a lost race on a score or a version 409.

The package: `schemas` (the shapes), `common` (the router and shared helpers), and the operations
in `rounds`, `chain`, `spot_checks`, `titles` and `groups` (五好小组评定), imported below in the
order they were always registered (the router's paths keep that order).
"""

from api.assessments.common import router

# isort: off
# Importing the modules registers their operations on the router, in this order.
from api.assessments import rounds  # noqa: F401, E402
from api.assessments import chain  # noqa: F401, E402
from api.assessments import spot_checks  # noqa: F401, E402
from api.assessments import titles  # noqa: F401, E402
from api.assessments import groups  # noqa: F401, E402
# isort: on

__all__ = ["router"]
