"""Reputation's models; see DESIGN.md "Reputation". Split by subject, re-exported here."""

from reputation.models.accounts import (  # noqa: F401
    STATUS_OF_KIND,
    STATUS_RANK,
    Account,
    AccountKind,
    AccountLink,
    AccountNote,
    AccountStatus,
    Capability,
    Restriction,
    RestrictionKind,
)
from reputation.models.badges import (  # noqa: F401
    MAX_OVERRIDE_DAYS,
    RULED_TIERS,
    Badge,
    BadgeEvaluation,
    BadgeOverride,
    BadgeRule,
    BadgeSource,
    BadgeTier,
    BadgeWeek,
    OverrideEffect,
    OverrideStatus,
)
from reputation.models.contracts import Contract, ContractKind, DisputeOutcome, InterimFeedback  # noqa: F401
from reputation.models.scores import ScoreRun, ScoreSnapshot, ScoringParameters  # noqa: F401
from reputation.models.simulations import Simulation, SimulationStatus  # noqa: F401
