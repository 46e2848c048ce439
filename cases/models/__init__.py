"""Cases' data, split by sub-domain: intake and review (intake.py), enforcement (enforcement.py),
QA sampling (qa.py)."""

from cases.models.enforcement import *  # noqa: F403
from cases.models.intake import *  # noqa: F403
from cases.models.qa import *  # noqa: F403
