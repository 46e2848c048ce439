"""Schema building blocks shared by every app's API: strict models, bounded text without NUL,
plausible UTC timestamps, and the id formats of the public contract."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, StringConstraints

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


# PostgreSQL text and jsonb cannot hold NUL: refused by the pattern (every other pattern here
# allows no NUL either), which the published schema carries for generated clients too.
NO_NUL = r"^[^\x00]*$"


def Text(max_length, min_length=0, pattern=None):
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length, pattern=pattern or NO_NUL)]


def _plausible_utc(moment):
    try:
        moment = moment.astimezone(UTC)
    except OverflowError as error:  # year 1 with a positive offset falls before year 1 in UTC
        raise ValueError("must be after 2000-01-01") from error
    if moment < EARLIEST:
        raise ValueError("must be after 2000-01-01")
    return moment


Timestamp = Annotated[AwareDatetime, AfterValidator(_plausible_utc)]
ItemId = Text(200, min_length=1, pattern=r"^[A-Za-z0-9._:-]+$")
ExternalId = Text(200, min_length=1)


class Strict(BaseModel):
    # Strict: `false` is not a number and "1" is not a score. Unknown fields are errors.
    model_config = ConfigDict(extra="forbid", strict=True)
