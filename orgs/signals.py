"""Signals sent by the tree's services and bulk loads, so that the apps above (campaigns' roll-ups)
stay current without orgs importing them. Each is sent inside the writing transaction, once the
change is complete (a move has rewritten its subtree's ancestor columns), and a delete just
before the unit goes, while it can still be read."""

from django.dispatch import Signal

# sender=<OrgAction>, unit=<OrgUnit>, before=<dict>: the unit was created, moved (before holds
# the old "parent"), retired with its subtree, reinstated, or is about to be deleted.
unit_changed = Signal()

# sender=OrgAction.BULK_LOAD, root=<OrgUnit>: units were bulk-loaded under root (no model
# signals are sent for them).
units_loaded = Signal()
