"""services.with_stages reads many assessments' chains in one query and fills stages_of's cache."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment
from assessments.services import do_apply, stages_of, with_stages
from standards.models import TitleKind


def test_one_query_for_every_chain(tree, round_2026, chain_personas):
    do_apply(chain_personas.village, round_2026, TitleKind.QUALIFIED_VILLAGE, tree.village_1)
    rows = list(Assessment.objects.filter(round=round_2026).select_related("standard"))
    assert len({a.standard_id for a in rows}) > 1  # the village's chain and its groups'
    with CaptureQueriesContext(connection) as queries:
        rows = with_stages(rows)
        chains = [stages_of(a) for a in rows]
    assert len(queries) == 1
    assert chains == [a.standard.ordered_stages() for a in rows]
    assert with_stages([]) == []
