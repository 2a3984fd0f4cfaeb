"""One normalisation of document numbers (NFKC, upper-case X) at every entry point: 信息填写, the OCR reader,
the look-up hash and the one-number-one-account rule; a health check finds stored numbers that were not ASCII."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.engine import session_scope
from db.models import IdentityFlag, IdentityVerification
from portal.core.crypto import encrypt_text, lookup_hash
from portal.core.errors import ValidationFailed
from portal.core.text import normalize_document_number
from portal.identity import service as identity
from portal.identity.check import numbers
from portal.identity.check import pipeline as check
from portal.identity.check.fields import parse_fields
from portal.identity.check.ocr import OcrLine
from portal.ops.health import check_stored_numbers
from portal.ops.number_check import find_unnormalised_numbers
from tests import factories

NUMBER = factories.fictional_id_number(7)  # ASCII, valid check digit
FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
FULL_WIDTH = NUMBER.translate(FULL)
MIXED = NUMBER[:3].translate(FULL) + NUMBER[3:9] + NUMBER[9:].translate(FULL)
ARABIC = NUMBER.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


def x_number() -> str:
    for n in range(1000):
        number = factories.fictional_id_number(n)
        if number.endswith("X"):
            return number
    raise AssertionError


def test_normalisation_maps_widths_and_case():
    assert normalize_document_number(FULL_WIDTH) == NUMBER
    assert normalize_document_number(MIXED) == NUMBER
    assert normalize_document_number(f" {NUMBER[:6]}\u3000{NUMBER[6:]} ") == NUMBER
    assert normalize_document_number(x_number().lower()) == x_number()
    assert lookup_hash(FULL_WIDTH) == lookup_hash(NUMBER) == lookup_hash(MIXED)
    assert ARABIC.isdigit()  # the root cause: Python accepts these as digits
    assert numbers.validate_document_number("resident_id", numbers.normalize(ARABIC)) == numbers.NOT_ASCII


@pytest.mark.parametrize("typed", [FULL_WIDTH, MIXED])
def test_fill_in_stores_the_ascii_number(session, typed):
    actor = factories.actor(session, "candidate")
    application = identity.fill_in(
        session, actor=actor, real_name="测试考生", document_type="resident_id", document_number=typed
    )
    row = session.scalar(select(IdentityVerification).where(IdentityVerification.user_id == actor.user_id))
    assert row.document_number_hash == lookup_hash(NUMBER)
    assert application.masked_number == NUMBER[:4] + "*" * 10 + NUMBER[-4:]


def test_lower_case_x_is_accepted_and_shown_upper_case(session):
    actor = factories.actor(session, "candidate")
    number = x_number()
    application = identity.fill_in(
        session, actor=actor, real_name="测试考生", document_type="resident_id", document_number=number.lower()
    )
    assert application.masked_number.endswith("X")


def test_other_script_digits_are_refused_in_the_form(session):
    actor = factories.actor(session, "candidate")
    with pytest.raises(ValidationFailed) as refused:
        identity.fill_in(
            session, actor=actor, real_name="测试考生", document_type="resident_id", document_number=ARABIC
        )
    assert "半角数字" in refused.value.errors["document_number"]


@pytest.mark.parametrize("typed", [FULL_WIDTH, MIXED])
def test_full_width_number_cannot_bypass_one_number_one_account(engine, typed):
    """The typed full-width number hashes like the ASCII one, so the intruder is flagged as a duplicate of the
    holder (fill_in answers alike and flags quietly; the refusal comes when a card passes: see test_service)."""
    with session_scope(engine) as session:
        holder = factories.verified_candidate(session, document_number=NUMBER)
        intruder = factories.actor(session, "candidate")
    with session_scope(engine) as session:
        identity.fill_in(
            session, actor=intruder, real_name="测试考生", document_type="resident_id", document_number=typed
        )
    with session_scope(engine) as session:
        flag = session.scalar(select(IdentityFlag))
        assert (flag.user_id, flag.other_user_id, flag.kind) == (intruder.user_id, holder.id, "duplicate_number")
        assert flag.document_number_hash == lookup_hash(NUMBER)


def _line(text: str, y: float, x: float = 60) -> OcrLine:
    return OcrLine(text, 0.99, (x, y, x + 300, y + 36))


def test_ocr_reader_normalises_full_width_digits_and_finds_a_name_without_its_label():
    lines = [
        _line("张三", 60, 130),  # the pale 姓名 label was not read
        _line("性别男", 120),
        _line("民族汉", 120, 240),
        _line("出生1995年3月15日", 180),
        _line("住址湖北省武汉市武昌区中山路1号", 240),
        _line("公民身份号码", 440),
        _line(MIXED, 440, 270),
    ]
    fields = parse_fields(lines)
    assert fields["id_number"] == NUMBER
    assert fields["name"] == "张三"
    decision, reasons = check._decide(fields, name="张三", id_number=FULL_WIDTH)
    assert (decision, reasons) == ("verified", [])


def test_health_reports_stored_numbers_that_were_not_ascii(engine):
    with session_scope(engine) as session:
        good = factories.verified_candidate(session, document_number=NUMBER)
        bad = factories.verified_candidate(session, document_number=factories.fictional_id_number(8))
        row = session.scalar(select(IdentityVerification).where(IdentityVerification.user_id == bad.id))
        row.document_number_enc = encrypt_text(factories.fictional_id_number(8).translate(FULL))  # saved as typed
        good_id, bad_id = good.id, bad.id
    with session_scope(engine) as session:
        findings = find_unnormalised_numbers(session)
    assert [(f.user_id, f.problem) for f in findings] == [(bad_id, "not_normalised")]
    assert good_id not in [f.user_id for f in findings]
    result = check_stored_numbers(engine)
    assert not result.ok and f"user {bad_id}" in result.detail
    assert factories.fictional_id_number(8) not in result.detail  # never the number itself
