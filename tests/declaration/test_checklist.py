"""Certificate images (upload safety, who may read them) and the 报名材料清单 ticking."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import select

from db.models import CertificateImage, PersonalDataAccess, User
from portal.core import storage
from portal.core.actor import Actor
from portal.core.errors import NotFound, PermissionDenied, ValidationFailed
from portal.declaration import confirmation, entry, exam_year
from portal.declaration.checklist import checklist
from tests import factories
from tests.declaration.conftest import YEAR, fill


def jpeg(size=(640, 420), **info) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 180, 160)).save(out, format="JPEG", **info)
    return out.getvalue()


def labels(items):
    return {item.label: item for item in items}


def test_checklist_ticks_items_when_their_images_are_uploaded(session, world):
    fill(session, world.unit_admin, world.candidate.id)
    view = confirmation.my_record(session, actor=world.candidate_actor)
    items = labels(checklist(view.record, view.images))
    assert not items["学历证书及学信网验证报告"].done and items["学历证书及学信网验证报告"].applies
    assert items["学位证书及学信网验证报告"].applies  # 本科
    assert not items["医师执业证"].applies and not items["首次注册时间证明"].applies

    for slot in ("diploma", "diploma_report"):
        confirmation.upload_image(session, actor=world.candidate_actor, year=YEAR, slot=slot, side="front", data=jpeg())
    view = confirmation.my_record(session, actor=world.candidate_actor)
    items = labels(checklist(view.record, view.images))
    assert items["学历证书及学信网验证报告"].done
    assert not items["学位证书及学信网验证报告"].done


def test_first_registration_proof_only_when_it_differs_from_the_certificate():
    record = {"education": {"education_level": "专科"}, "practice_certificate": {}}
    record["practice_certificate"] = {"issued_on": date(2022, 3, 1), "first_registered_on": date(2022, 3, 1)}
    items = labels(checklist(record, {}))
    assert not items["首次注册时间证明"].applies and not items["学位证书及学信网验证报告"].applies
    record["practice_certificate"]["first_registered_on"] = date(2020, 3, 1)
    items = labels(checklist(record, {("first_registration", 1, "front"): 1}))
    assert items["首次注册时间证明"].applies and items["首次注册时间证明"].done
    assert items["医师执业证"].applies and not items["医师执业证"].done


def test_upload_is_sanitised_and_stored_encrypted(session, world):
    data = jpeg(exif=b"Exif\x00\x00secret-gps")
    image_id = confirmation.upload_image(
        session, actor=world.candidate_actor, year=YEAR, slot="practice", side="back", data=data
    )
    row = session.get(CertificateImage, image_id)
    assert row.storage_key.startswith("certificate/")
    stored = storage.load(row.storage_key)
    assert b"secret-gps" not in stored
    assert confirmation.image_bytes(session, actor=world.candidate_actor, image_id=image_id) == stored
    # replacing the image keeps one row; the old file goes once the replacement is committed
    old_key = row.storage_key
    confirmation.upload_image(
        session, actor=world.candidate_actor, year=YEAR, slot="practice", side="back", data=jpeg()
    )
    assert len(session.scalars(select(CertificateImage)).all()) == 1
    assert session.get(CertificateImage, image_id).storage_key != old_key
    assert storage.exists(old_key)
    session.commit()
    assert not storage.exists(old_key)


@pytest.mark.parametrize("data, words", [(b"%PDF-1.4 not an image", "不是可识别的图片"), (b"", "文件为空")])
def test_bad_uploads_are_refused_with_a_chinese_reason(session, world, data, words):
    with pytest.raises(ValidationFailed) as error:
        confirmation.upload_image(
            session, actor=world.candidate_actor, year=YEAR, slot="diploma", side="front", data=data
        )
    assert words in error.value.errors["image"] and "学历证书证书A面" in error.value.errors["image"]


def test_images_are_private_to_the_candidate_and_their_unit(session, world):
    image_id = confirmation.upload_image(
        session, actor=world.candidate_actor, year=YEAR, slot="diploma", side="front", data=jpeg()
    )
    stranger = Actor.of(factories.verified_candidate(session))
    with pytest.raises(NotFound):
        confirmation.image_bytes(session, actor=stranger, image_id=image_id)
    with pytest.raises(PermissionDenied):
        confirmation.image_bytes(session, actor=world.other_admin, image_id=image_id)
    assert confirmation.image_bytes(session, actor=world.unit_admin, image_id=image_id)
    logged = session.execute(select(PersonalDataAccess.section, PersonalDataAccess.action)).all()
    # The other unit's refused attempt is in the candidate's access log too (the one bound-unit gate logs it).
    assert sorted(logged) == [("education", "view"), ("education", "view_denied")]


def test_export_is_logged_for_each_listed_candidate(session, world):
    fill(session, world.unit_admin, world.candidate.id)
    entry.record_export(session, actor=world.unit_admin, year=YEAR, candidate_ids=[world.candidate.id])
    actions = session.scalars(select(PersonalDataAccess.action).where(PersonalDataAccess.section == "declaration"))
    assert "export" in list(actions)


def test_demo_data_has_records_in_every_status(session):
    from portal.ops.demo import seed_demo

    seed_demo(session, candidates=12, units=3)
    counts = exam_year.status_counts(session, year=2026)
    assert {"pending", "confirmed", "correction_requested"} <= set(counts)
    admin = session.scalar(select(User).where(User.username == "unit_admin"))
    rows = entry.unit_candidates(session, actor=Actor.of(admin), year=2026)
    assert {"未填报", "待确认", "已确认", "待单位修改"} <= {row.status_label for row in rows}
    assert any(row.correction_note for row in rows)
