from campaigns.rollup_models import *  # noqa: F403
