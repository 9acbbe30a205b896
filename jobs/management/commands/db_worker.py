"""`sanlian db_worker`: django-tasks-db's worker with a heartbeat (jobs.heartbeat), so that the
task of a killed worker is failed within a minute by the others."""

from django_tasks_db.management.commands import db_worker

from jobs import heartbeat


class HeartbeatWorker(db_worker.Worker):
    def run(self) -> None:
        stop = heartbeat.start(self.worker_id)
        try:
            super().run()
        finally:
            stop.set()


class Command(db_worker.Command):
    def handle(self, *args, **options):
        # The package's handle builds its Worker by this module-level name.
        db_worker.Worker = HeartbeatWorker
        return super().handle(*args, **options)
