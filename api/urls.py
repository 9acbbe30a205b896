"""The API under /api/v1/: thin routers over the services, scoped by the one access helper."""

from api import errors
from api.assessments import router as assessments_router
from api.audit import router as audit_router
from api.auth import API_AUTH
from api.campaigns import router as campaigns_router
from api.figures import router as figures_router
from api.imports import router as imports_router
from api.members import router as members_router
from api.plan_levels import router as plan_levels_router
from api.records import router as records_router
from api.reports import router as reports_router
from api.selection import router as selection_router
from api.standards import router as standards_router
from api.units import router as units_router

api = errors.SanlianAPI(
    title="Sanlian API",
    version="1",
    description=(
        "The association tree of the 三联创 campaign. Authenticate with `Authorization: Bearer "
        "sl_…` (or `X-API-Token`), or with the pages' session and its CSRF token. Every error "
        'answers `{"detail": "…", "errors": {"field": ["…"]}}`.'
    ),
    urls_namespace="api",
    auth=API_AUTH,
    docs_url="/docs",
)
errors.install(api)
api.add_router("/units", units_router)
api.add_router("/members", members_router)
api.add_router("/records", records_router)
api.add_router("/assessments", assessments_router)
api.add_router("/selections", selection_router)
api.add_router("/figures", figures_router)
api.add_router("/campaigns", campaigns_router)
api.add_router("/plan-levels", plan_levels_router)
api.add_router("/standards", standards_router)
api.add_router("/audit", audit_router)
api.add_router("/reports", reports_router)
api.add_router("/imports", imports_router)
