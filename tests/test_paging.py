"""Bounded counts: exact up to the bound, "more" past it, all in one statement."""

import pytest

from intake.models import Intake
from intake.paging import bounded_counts
from tests.factories import IntakeFactory

pytestmark = pytest.mark.django_db


def test_bounded_counts_are_exact_below_the_bound_and_stop_past_it(
    django_assert_num_queries,
):
    IntakeFactory.create_batch(4, status="submitted")
    IntakeFactory.create_batch(2, status="draft")
    with django_assert_num_queries(1):
        found = bounded_counts(
            {
                "all": Intake.objects.all(),
                "drafts": Intake.objects.filter(status="draft"),
                "none": Intake.objects.filter(status="signed"),
                "submitted": Intake.objects.filter(status="submitted"),
            },
            limit=3,
        )
    assert found == {"all": 4, "drafts": 2, "none": 0, "submitted": 4}


def test_no_querysets_count_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert bounded_counts({}) == {}
