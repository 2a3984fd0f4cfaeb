"""Hostile input: uploads, form text and searches never crash, are refused with a reason or cleaned."""

from __future__ import annotations

import io
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from portal.core.errors import PortalError
from portal.identity.check.imaging import UploadRejected, sanitize_upload
from portal.profile import service as profile
from portal.unit import registration as registrations
from portal.unit import roster
from tests import factories

HYPOTHESIS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
MAGIC = [b"", b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x00\x00\x00WEBP", b"GIF89a", b"%PDF-1.4"]
# Text that people paste into forms: control characters, bidi overrides, SQL and formula metacharacters.
HOSTILE_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\x00", "\x1b", "\u202e", "\ufeff", "'", '"', ";", "-", "%", "_", "\\", "=", "@", "+"]),
    ),
    max_size=300,
)


def _jpeg(size=(640, 400)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 180, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


@HYPOTHESIS
@given(prefix=st.sampled_from(MAGIC), body=st.binary(max_size=4096))
def test_random_bytes_are_refused_cleanly_or_cleaned(prefix, body):
    try:
        clean = sanitize_upload(prefix + body)
    except UploadRejected as error:
        assert error.message and error.code
        return
    assert clean.jpeg_bytes.startswith(b"\xff\xd8")


@pytest.mark.parametrize(
    "payload",
    [b"<html><script>alert(1)</script></html>", b"PK\x03\x04polyglot-zip-payload", b"<?php system($_GET[1]); ?>"],
)
def test_polyglot_payload_is_not_stored_raw(payload):
    clean = sanitize_upload(_jpeg() + payload)
    assert payload not in clean.jpeg_bytes
    assert Image.open(io.BytesIO(clean.jpeg_bytes)).size == (640, 400)


def test_huge_dimensions_refused_before_decoding():
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")  # tiny file, 400 million pixels
    with pytest.raises(UploadRejected) as caught:
        sanitize_upload(buffer.getvalue())
    assert "像素" in caught.value.message or "过大" in caught.value.message


def _has_control(value: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\n" for ch in value)


@HYPOTHESIS
@given(text=HOSTILE_TEXT)
def test_address_text_is_refused_or_stored_clean(session, text):
    candidate = factories.actor(session, "candidate")
    savepoint = session.begin_nested()
    try:
        view = profile.add_address(
            session,
            actor=candidate,
            recipient=text[:40] or "张三",
            phone="13800001111",
            province_code="420000",
            city_code="420100",
            county_code="420106",
            detail=text,
        )
    except PortalError as error:
        assert error.message
    else:
        assert not _has_control(view.detail) and not _has_control(view.recipient)
        assert len(view.detail) <= 200
    finally:
        savepoint.rollback()


@HYPOTHESIS
@given(text=HOSTILE_TEXT)
def test_unit_search_never_fails_and_treats_wildcards_literally(session, text):
    candidate = factories.actor(session, "candidate")
    factories.unit(session, name="武汉市第一示范医院")
    found = roster.search_units(session, actor=candidate, query=text)
    if text.strip() and all(ch in "%_\\'\";-" for ch in text.strip()):
        assert found == []  # SQL wildcards and quotes are literal characters, not patterns


@HYPOTHESIS
@given(text=HOSTILE_TEXT)
def test_unit_registration_text_is_refused_or_clean(session, text):
    savepoint = session.begin_nested()
    try:
        registration = registrations.register_unit(
            session,
            name=text,
            institution_code="12420100MB0000000X",
            superior_unit=text,
            category="医院",
            region_code="420106",
            contact_name=text,
            contact_mobile="13800002222",
            username="13800002222",
            password="abc12345",
            password_confirm="abc12345",
        )
    except PortalError as error:
        assert error.message
    else:
        assert not _has_control(registration.name) and len(registration.name) <= 200
    finally:
        savepoint.rollback()


CELL = st.one_of(
    HOSTILE_TEXT.map(lambda t: t[:60]), st.sampled_from(["=1+1", "@SUM(A1)", "-2", "+3", "12420100MB0000000X"])
)


@HYPOTHESIS
@given(rows=st.lists(st.lists(CELL, min_size=5, max_size=5), min_size=1, max_size=6))
def test_unit_import_never_crashes_and_rejects_with_row_and_column(session, rows):
    import csv

    from portal.core.actor import SYSTEM
    from portal.core.errors import ImportFileError
    from portal.unit.importer import import_units

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["单位名称", "机构编码", "主管单位", "机构类别", "所属地区"])
    writer.writerows(rows)
    savepoint = session.begin_nested()
    try:
        result = import_units(session, actor=SYSTEM, data=buffer.getvalue().encode("utf-8"), filename="units.csv")
    except ImportFileError as error:
        assert str(error)
        return
    finally:
        savepoint.rollback()
    assert result.imported + result.updated + result.rejected_rows <= len(rows)
    for reject in result.rejects:
        assert reject.row >= 2 and reject.column and reject.reason and reject.reason_en
    rejected_rows = {reject.row for reject in result.rejects}
    for number, row in enumerate(rows, start=2):
        if row[0].startswith(("=", "@")):  # a formula as 单位名称 is never imported
            assert number in rejected_rows


@HYPOTHESIS
@given(body=st.binary(max_size=2048))
def test_declaration_import_of_garbage_is_a_clear_error(session, body):
    from portal.core.errors import ImportFileError
    from portal.declaration.importer import import_declarations

    admin = factories.actor(session, "unit_admin", unit=factories.unit(session))
    savepoint = session.begin_nested()
    try:
        import_declarations(session, actor=admin, year=2026, data=b"PK\x03\x04" + body)
    except (ImportFileError, PortalError) as error:
        assert str(error)
    finally:
        savepoint.rollback()
