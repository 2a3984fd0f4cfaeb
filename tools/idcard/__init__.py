"""Synthetic, fictional resident ID card fronts (`python -m tools.idcard`)."""

from tools.idcard.generator import (  # noqa: F401
    CARD_VARIANTS,
    FIXTURE_PLAN,
    VARIANTS,
    Case,
    FontsMissing,
    Identity,
    default_plan,
    generate,
    other_identity,
    random_identity,
    write_cases,
)
