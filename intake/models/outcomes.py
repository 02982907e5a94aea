"""The three suggestions, their queue order, and the append-only rule."""

from django.db import models

from intake.rules import engine


class Outcome(models.TextChoices):
    REFER = engine.Outcome.REFER, engine.OUTCOME_LABELS[engine.Outcome.REFER]
    CONSIDER_AMPS = (
        engine.Outcome.CONSIDER_AMPS,
        engine.OUTCOME_LABELS[engine.Outcome.CONSIDER_AMPS],
    )
    INDETERMINATE = (
        engine.Outcome.INDETERMINATE,
        engine.OUTCOME_LABELS[engine.Outcome.INDETERMINATE],
    )


# Queue order of the outcomes: referrals first.
OUTCOME_PRIORITY = {Outcome.REFER: 0, Outcome.CONSIDER_AMPS: 1, Outcome.INDETERMINATE: 2}


class AppendOnlyError(Exception):
    """A screening is written once and never changed."""
