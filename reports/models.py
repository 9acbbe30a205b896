from reports.job_models import *  # noqa: F403
