"""Signals sent where register records are written in bulk (no model signals are sent for those),
so that the apps above (campaigns' roll-ups) stay current without registers importing them.
Sent inside the writing transaction, after the write."""

from django.dispatch import Signal

# sender=<RegisterAction>, unit_id=<int | None>: records were bulk-loaded or imported under the
# unit (None: across units with no common one).
records_loaded = Signal()
