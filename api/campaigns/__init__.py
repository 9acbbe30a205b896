"""The campaign frame over the API: campaigns and their targets, the townships' own targets,
baseline surveys, five-year creation plans (read, save the draft, submit, approve, return) and
pilots (list, add, remove).

Thin, and scoped as the campaign pages are: a campaign's own page is for whoever sees its
organiser; a township's survey, plan and pilots for whoever sees the township (its officer, the
levels above), its writes for its own township officer; every unit through accounts.access (404
outside the caller's subtrees, 403 forbidden, each denial recorded); every write through
campaigns.services, which writes the audit event. The services' refusals answer in the one error
shape: PermissionDenied 403 (recorded as a denial), ValidationError 422.

The package: `schemas` (the shapes), `common` (the router and shared helpers), and the operations
in `frame` and `townships`, imported below in the order they were always registered.
"""

from api.campaigns.common import router

# isort: off
# Importing the modules registers their operations on the router, in this order.
from api.campaigns import frame  # noqa: F401, E402
from api.campaigns import townships  # noqa: F401, E402
# isort: on

__all__ = ["router"]
