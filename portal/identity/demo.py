"""Demo data for real-name verification: verified, pending, rejected applications and one duplicate flag.

The demo candidate 13800000001 stays unverified so that a visitor can try the whole flow. Every identity is
fictional (random Hubei region codes, valid check digits). Card images for the pending cases are drawn by
`python -m tools.idcard --people` (a subprocess) when tools/ and the CJK fonts are available; otherwise the
cases have no images (未上传).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from db.models import IdentityCheckAttempt, IdentityFlag, IdentityVerification, Message
from portal.core import storage
from portal.core.crypto import encrypt_text, lookup_hash, mask
from portal.core.timeutil import utcnow
from portal.identity.check.numbers import check_digit

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]

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


def _card_images(people: list[tuple[int, _Person]], seed: int) -> dict[int, tuple[str, str]]:
    """Fictional front and back photos of each person's card, stored like uploads, by user id.

    Drawn by the development generator in a subprocess (`python -m tools.idcard --people`; the portal never
    imports tools/); empty when tools/ or the CJK fonts are missing, and those cases show 未上传.
    """
    if not people or not (ROOT / "tools" / "idcard").is_dir():
        return {}
    with tempfile.TemporaryDirectory(prefix="demo-cards-") as tmp:
        folder = Path(tmp)
        listing = folder / "people.jsonl"
        listing.write_text(
            "".join(
                json.dumps(
                    {
                        "id": user_id,
                        "name": p.name,
                        "id_number": p.number,
                        "sex": p.sex,
                        "birth_date": p.born.isoformat(),
                    },
                    ensure_ascii=False,
                )
                + "\n"
                for user_id, p in people
            ),
            encoding="utf-8",
        )
        command = [
            sys.executable,
            "-m",
            "tools.idcard",
            "--people",
            str(listing),
            "--out",
            str(folder),
            "--seed",
            str(seed),
        ]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
        if done.returncode != 0:
            log.warning("demo card images not drawn (tools.idcard exit %s)", done.returncode)
            return {}
        images = {}
        for user_id, _ in people:
            front, back = (folder / f"{user_id}-{side}.jpg" for side in ("front", "back"))
            if front.is_file() and back.is_file():
                images[user_id] = (
                    storage.save(front.read_bytes(), kind="identity"),
                    storage.save(back.read_bytes(), kind="identity"),
                )
        return images


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

    drawn: list[tuple[int, _Person]] = []
    plan = ["verified"] * 5 + ["pending_images"] * 3 + ["pending_other", "rejected", "flagged"]
    for user_id, kind in zip(others, plan, strict=False):
        person = _person(rng, used)
        when = now - dt.timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 600))
        if kind == "verified":
            rows.append(_row(user_id, person, status="verified", method="auto_id_card", when=when))
            made["verified"].append((user_id, person))
        elif kind == "pending_images":
            drawn.append((user_id, person))
            rows.append(
                _row(
                    user_id,
                    person,
                    status="pending",
                    method="manual_id_card",
                    when=now - dt.timedelta(hours=rng.randint(1, 72)),
                    auto_attempts=3,
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

    images = _card_images(drawn, rng.randrange(2**31))
    for row in rows:
        if row["user_id"] in images:
            row["front_image_key"], row["back_image_key"] = images[row["user_id"]]

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
