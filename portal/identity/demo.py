"""Demo data for real-name verification: verified, pending, rejected applications and one duplicate flag.

The demo candidate 13800000001 stays unverified so that a visitor can try the whole flow. Every identity is
fictional (random Hubei region codes, valid check digits). Card images for the pending cases are drawn by
tools/idcard when it and the CJK fonts are available; otherwise the cases have no images (未上传).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from db.models import IdentityCheckAttempt, IdentityFlag, IdentityVerification, Message
from portal.core import storage
from portal.core.crypto import encrypt_text, lookup_hash, mask
from portal.core.timeutil import utcnow
from portal.identity.numbers import check_digit

log = logging.getLogger(__name__)

VERIFIED_SHARE = 0.7  # of the generated candidates beyond the hand-made cases
REGIONS = ("420102", "420106", "420111", "420115", "420502", "420602", "420902", "421002", "421102", "422801")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建红文辉宇鹏浩飞欣怡晨晓雪梅琳婷颖佳俊博"


@dataclass
class _Person:
    name: str
    number: str
    sex: str
    born: dt.date


def _person(rng: random.Random, used: set[str]) -> _Person:
    while True:
        born = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(0, 38 * 365))
        sequence = rng.randrange(0, 1000)
        first17 = f"{rng.choice(REGIONS)}{born:%Y%m%d}{sequence:03d}"
        number = first17 + check_digit(first17)
        if number not in used:
            used.add(number)
            break
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return _Person(name, number, "男" if sequence % 2 else "女", born)


def _row(user_id: int, person: _Person, *, status: str, method: str, when: dt.datetime, **extra) -> dict:
    row = {
        "user_id": user_id,
        "is_current": True,
        "real_name": person.name,
        "document_type": "resident_id",
        "document_number_enc": encrypt_text(person.number),
        "document_number_hash": lookup_hash(person.number),
        "document_number_masked": mask(person.number),
        "method": method,
        "status": status,
        "region_code": person.number[:6],
        "sex": person.sex,
        "birth_date": person.born,
        "auto_attempts": 0,
        "submitted_at": when,
        "decided_at": when if status in ("verified", "rejected") else None,
        "front_image_key": None,
        "back_image_key": None,
        "decision_reason": None,
        "reviewer_id": None,
        "created_at": when,
    }
    row.update(extra)
    return row


def _card_images(person: _Person, rng: random.Random) -> tuple[str | None, str | None]:
    """Fictional front and back photos of the person's card, stored like uploads; (None, None) without fonts."""
    try:
        from PIL import ImageDraw

        from tools.idcard import generator
    except ImportError:  # tools/ is not shipped everywhere
        return None, None
    try:
        identity = generator.random_identity(rng)
        identity.name, identity.id_number, identity.sex, identity.birth_date = (
            person.name,
            person.number,
            person.sex,
            person.born,
        )
        region = generator.REGIONS.get(person.number[:6])
        for prefix in generator.REGIONS.values():
            if region and identity.address.startswith(prefix):
                identity.address = region + identity.address[len(prefix) :]
                break
        front = generator.encode_jpeg(generator.flat_scan(generator.render_card(identity, rng), rng))
        back = generator._background(rng)
        draw = ImageDraw.Draw(back)
        s = generator.SCALE
        draw.ellipse((60 * s, 50 * s, 200 * s, 190 * s), outline=(190, 40, 40), width=6 * s)
        draw.text((250 * s, 70 * s), "中华人民共和国", font=generator.font("sans_bold", 56 * s), fill=(20, 20, 20))
        draw.text((250 * s, 150 * s), "居民身份证", font=generator.font("sans_bold", 72 * s), fill=(20, 20, 20))
        label = generator.font("sans", 26 * s)
        draw.text((150 * s, 400 * s), "签发机关   示范市公安局示范分局", font=label, fill=(20, 20, 20))
        start = person.born.year + 18 + rng.randrange(0, 10)
        draw.text((150 * s, 460 * s), f"有效期限   {start}.05.01-{start + 20}.05.01", font=label, fill=(20, 20, 20))
        back_jpeg = generator.encode_jpeg(generator.flat_scan(back, rng))
    except generator.FontsMissing:
        return None, None
    return storage.save(front, kind="identity"), storage.save(back_jpeg, kind="identity")


def extend(session: Session, rng: random.Random, context) -> None:
    """Verified, pending, rejected applications and one flag; 13800000001 stays unverified."""
    candidates = list(context.candidates)
    demo_candidate = context.accounts.get("13800000001")
    others = [c for c in candidates if c != demo_candidate]
    if not others:
        return
    reviewer = context.accounts.get("reviewer")
    now = utcnow()
    used: set[str] = set()
    rows: list[dict] = []
    made: dict[str, list[tuple[int, _Person]]] = {"verified": [], "pending": [], "rejected": []}

    plan = ["verified"] * 5 + ["pending_images"] * 3 + ["pending_other", "rejected", "flagged"]
    for user_id, kind in zip(others, plan, strict=False):
        person = _person(rng, used)
        when = now - dt.timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 600))
        if kind == "verified":
            rows.append(_row(user_id, person, status="verified", method="auto_id_card", when=when))
            made["verified"].append((user_id, person))
        elif kind == "pending_images":
            front, back = _card_images(person, rng)
            rows.append(
                _row(
                    user_id,
                    person,
                    status="pending",
                    method="manual_id_card",
                    when=now - dt.timedelta(hours=rng.randint(1, 72)),
                    auto_attempts=3,
                    front_image_key=front,
                    back_image_key=back,
                )
            )
            made["pending"].append((user_id, person))
        elif kind == "pending_other":
            permit = f"H{rng.randrange(10**7, 10**8)}"
            rows.append(
                _row(
                    user_id,
                    person,
                    status="pending",
                    method="manual_other",
                    when=now - dt.timedelta(hours=rng.randint(1, 72)),
                    document_type="hk_macau_permit",
                    document_number_enc=encrypt_text(permit),
                    document_number_hash=lookup_hash(permit),
                    document_number_masked=mask(permit),
                    region_code="",
                    sex=None,
                    birth_date=None,
                )
            )
        elif kind == "rejected":
            rows.append(
                _row(
                    user_id,
                    person,
                    status="rejected",
                    method="manual_id_card",
                    when=when,
                    auto_attempts=3,
                    reviewer_id=reviewer,
                    decision_reason="证件照片模糊，无法辨认证件号码，请在光线充足处重新拍摄上传。",
                )
            )
            made["rejected"].append((user_id, person))
        elif kind == "flagged" and made["verified"]:
            owner, owner_person = made["verified"][0]
            session.add(
                IdentityFlag(
                    user_id=user_id,
                    kind="duplicate_number",
                    document_number_hash=lookup_hash(owner_person.number),
                    other_user_id=owner,
                    created_at=now - dt.timedelta(hours=5),
                )
            )

    # Load-test sizes: most of the remaining generated candidates are verified.
    for user_id in others[len(plan) :]:
        if rng.random() < VERIFIED_SHARE:
            when = now - dt.timedelta(days=rng.randint(1, 60), minutes=rng.randint(0, 1440))
            rows.append(_row(user_id, _person(rng, used), status="verified", method="auto_id_card", when=when))
    for start in range(0, len(rows), 5000):
        session.execute(insert(IdentityVerification), rows[start : start + 5000])

    manual = session.execute(
        select(IdentityVerification.id, IdentityVerification.submitted_at).where(
            IdentityVerification.status.in_(("pending", "rejected")), IdentityVerification.method == "manual_id_card"
        )
    ).all()
    tries = (("retake", "blurry"), ("retake", "glare"), ("mismatch", "number_mismatch"))
    attempts = [
        {
            "verification_id": vid,
            "decision": decision,
            "reasons": reasons,
            "seconds": 0.6,
            "created_at": submitted - dt.timedelta(minutes=12 - 3 * index),
        }
        for vid, submitted in manual
        for index, (decision, reasons) in enumerate(tries)
    ]
    if attempts:
        session.execute(insert(IdentityCheckAttempt), attempts)
    for user_id, _ in made["rejected"]:
        session.add(
            Message(
                user_id=user_id,
                title="实名认证审核未通过",
                body="您的实名认证未通过人工审核。原因：证件照片模糊，无法辨认证件号码，请在光线充足处重新拍摄上传。"
                "\n请撤回认证后重新提交。",
                category="identity",
            )
        )
    session.flush()
