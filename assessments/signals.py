"""Signals sent where a title changes, so that apps above (campaigns' roll-ups) stay current
without assessments importing them. Receivers run inside the deciding transaction."""

from django.dispatch import Signal

# sender=AwardedTitle, title=<AwardedTitle>: a decision has just awarded the title.
title_awarded = Signal()

# sender=AwardedTitle, title=<AwardedTitle>: the title has just been revoked.
title_revoked = Signal()

# sender=AwardedTitle, unit=<OrgUnit>, title=<TitleKind value>, year=<int>, count=<int>: the
# unit's earlier titles of this kind (before `year`) have just been superseded.
titles_superseded = Signal()

# sender=Round, round=<Round>: the round has just closed; titles it did not keep lapse.
round_closed = Signal()

# sender=Assessment, assessment=<Assessment>: the year's rating of the unit has just been decided
# without the title (not awarded); a title it held the year before lapses from the round's year.
rating_not_kept = Signal()
