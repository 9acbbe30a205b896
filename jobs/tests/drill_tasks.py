"""A task for the worker drills: it waits long enough to be killed in the middle."""

import time

from django_tasks import task


@task()
def wait_to_be_killed(seconds: int = 120) -> None:
    time.sleep(seconds)
