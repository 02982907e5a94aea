"""The three suggestions, the urgencies and their queue order."""

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


class Urgency(models.TextChoices):
    """How soon a referral is needed: carried by each red flag, frozen on each screening."""

    EMERGENCY = engine.EMERGENCY, engine.URGENCY_LABELS[engine.EMERGENCY]
    URGENT = engine.URGENT, engine.URGENCY_LABELS[engine.URGENT]
    ROUTINE = engine.ROUTINE, engine.URGENCY_LABELS[engine.ROUTINE]

    @property
    def action(self) -> str:
        """What it asks of the clinic: "phone the on-call team now; …"."""
        return engine.URGENCY_ACTIONS[self.value]

    @property
    def timeframe(self) -> str:
        """How soon: "now / same day", "within 48 hours", "next routine clinic"."""
        return engine.URGENCY_TIMEFRAMES[self.value]

    @property
    def text(self) -> str:
        """The tier with its timeframe: "Emergency — now / same day"."""
        return engine.urgency_text(self.value)


# Queue order of the outcomes: referrals first.
OUTCOME_PRIORITY = {Outcome.REFER: 0, Outcome.CONSIDER_AMPS: 1, Outcome.INDETERMINATE: 2}


# Queue order of the urgencies within the referrals: emergencies first. A referral screened
# before urgencies existed (blank) waits with the routine ones.
URGENCY_PRIORITY = {
    Urgency.EMERGENCY: 0,
    Urgency.URGENT: 1,
    Urgency.ROUTINE: 2,
    "": 2,
}
