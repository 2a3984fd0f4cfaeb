"""The database's CHECK constraints allow exactly the declaration states and image choices the code knows."""

from __future__ import annotations

from db.models import declaration as model
from portal.declaration.fields import SECTIONS_BY_CODE
from portal.declaration.vocab import (
    CONFIRMATION_STATUS_LABELS,
    IMAGE_SIDE_LABELS,
    IMAGE_SLOT_LABELS,
    IMAGE_SLOT_SECTIONS,
    ConfirmationStatus,
    ImageSide,
    ImageSlot,
)


def test_confirmation_statuses_match_the_check_constraint():
    assert tuple(ConfirmationStatus) == model.CONFIRMATION_STATUSES
    assert set(CONFIRMATION_STATUS_LABELS) == set(ConfirmationStatus)


def test_image_slots_and_sides_match_the_check_constraints():
    assert tuple(ImageSlot) == model.IMAGE_SLOTS
    assert tuple(ImageSide) == model.IMAGE_SIDES
    assert set(IMAGE_SLOT_LABELS) == set(IMAGE_SLOT_SECTIONS) == set(ImageSlot)
    assert set(IMAGE_SIDE_LABELS) == set(ImageSide)
    assert set(IMAGE_SLOT_SECTIONS.values()) <= set(SECTIONS_BY_CODE)


def test_shown_statuses_are_the_stored_ones_plus_incomplete():
    from portal.declaration.vocab import SHOWN_STATUS_LABELS, ShownStatus

    assert set(ShownStatus) == set(ConfirmationStatus) | {"incomplete"}
    assert set(SHOWN_STATUS_LABELS) == set(ShownStatus)
    assert SHOWN_STATUS_LABELS[ShownStatus.INCOMPLETE] == "待单位补充"
    assert all(SHOWN_STATUS_LABELS[s] == CONFIRMATION_STATUS_LABELS[s] for s in ConfirmationStatus)
