from campaigns.plan_models import *  # noqa: F403
from campaigns.rollup_models import *  # noqa: F403
