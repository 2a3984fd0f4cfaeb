"""Demo data for declarations: an open 2026 exam year and records of the demo unit's candidates in every status.

Six fictional verified candidates (accounts 13600000001…13600000006, password Demo2026) are bound to the demo
unit (unit 0) and get: 未填报, 待确认 (incomplete), 待确认 (complete), 已确认, 待单位修改, and 待确认 after a change
to a confirmed record (with the diff). Other verified candidates of the demo unit get a complete 待确认 record.
Everything goes through the real services (rules, access log, messages).
"""

from __future__ import annotations

import io
import random
from datetime import date, timedelta

from sqlalchemy import insert, select

from db.models import IdentityVerification, UnitBinding, User
from portal.auth.passwords import hash_password
from portal.core.actor import SYSTEM, Actor
from portal.core.crypto import encrypt_text, lookup_hash, mask
from portal.core.timeutil import today_local, utcnow
from portal.declaration import confirmation, entry, exam_year
from portal.declaration.bench import fictional_number
from portal.identity.policy import current_verification
from portal.unit.policy import active_binding

YEAR = 2026
NAMES = ["陈示范", "刘示例", "张演示", "王样本", "李模拟", "赵测试"]
MORE_LIMIT = 30  # other bound candidates given a record (keeps large seeds fast)


def _record(rng: random.Random, birth: date, today: date) -> dict[str, object] | None:
    enrolled = date(birth.year + 18, 9, 1)
    graduated = date(enrolled.year + 5, 6, 30)
    started = graduated + timedelta(days=15 + rng.randint(0, 20))
    if started > today - timedelta(days=30):
        return None
    return {
        "exam": {
            "exam_level": "执业医师",
            "exam_category": "临床",
            "is_assistant_upgrading": "否",
            "is_fresh_graduate": "否",
        },
        "education": {
            "education_level": "本科",
            "study_form": "普通全日制",
            "enrolled_on": enrolled,
            "graduated_on": graduated,
            "school": rng.choice(["示范医科大学", "示例中医药大学", "演示医学院"]),
            "schooling_years": 5,
            "major_type": "临床医学类",
            "major": "临床医学",
            "diploma_number": f"1{rng.randrange(10**16, 10**17)}",
        },
        "probation": [
            {
                "institution": "武汉市第十一示范医院",
                "post": rng.choice(["住院医师", "内科医师", "外科医师"]),
                "work_started_on": started,
                "work_ended_on": None,
                "supervisor_name": rng.choice(["周老师", "吴老师", "郑老师"]),
            }
        ],
        "nurse_certificate": {"none": True},
    }


def _certificate_jpeg(rng: random.Random) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 560), (250, 246, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 780, 540), outline=(160, 30, 30), width=8)
    for row in range(6):
        y = 150 + row * 60
        draw.line((120, y, 120 + rng.randint(300, 560), y), fill=(90, 90, 90), width=4)
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return out.getvalue()


def extend(session, rng: random.Random, context) -> None:
    """Open the 2026 exam year and give the demo unit's candidates records in every status."""
    today = today_local()
    if not context.units:
        return
    exam_year.open_exam_year(
        session,
        actor=SYSTEM,
        year=YEAR,
        entry_opens_on=today - timedelta(days=56),
        entry_closes_on=today + timedelta(days=50),
        confirmation_opens_on=today - timedelta(days=42),
        confirmation_closes_on=today + timedelta(days=65),
    )
    unit_id = context.units[0]
    admin_id = context.accounts.get("unit_admin")
    if admin_id is None:
        return
    admin = Actor.of(session.get(User, admin_id))
    password = hash_password("Demo2026")
    now = utcnow()
    own = []
    indices = rng.sample(range(100_000), len(NAMES))
    for index, name in enumerate(NAMES, start=1):
        user = User(username=f"136{index:08d}", role="candidate", display_name="", mobile=f"136{index:08d}")
        user.password_hash = password
        session.add(user)
        session.flush()
        number = fictional_number(indices[index - 1], region="420111", first_birth=date(1993, 1, 1))
        session.add(
            IdentityVerification(
                user_id=user.id,
                real_name=name,
                document_type="resident_id",
                document_number_enc=encrypt_text(number),
                document_number_hash=lookup_hash(number),
                document_number_masked=mask(number),
                status="verified",
                region_code=number[:6],
                sex="男" if int(number[16]) % 2 else "女",
                birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                submitted_at=now,
                decided_at=now,
            )
        )
        own.append(user.id)
    session.flush()
    session.execute(
        insert(UnitBinding), [{"candidate_id": c, "unit_id": unit_id, "created_by": c, "created_at": now} for c in own]
    )

    def fill(candidate_id: int, *, only=None) -> bool:
        birth = session.scalar(
            select(IdentityVerification.birth_date).where(
                IdentityVerification.user_id == candidate_id,
                IdentityVerification.status == "verified",
                current_verification(),
            )
        )
        record = _record(rng, birth, today) if birth else None
        if record is None:
            return False
        for section, data in record.items():
            if only is None or section in only:
                entry.save_section(
                    session, actor=admin, year=YEAR, candidate_id=candidate_id, section=section, data=data
                )
        return True

    def me(candidate_id: int) -> Actor:
        return Actor.of(session.get(User, candidate_id))

    # own[0]: 未填报
    fill(own[1], only={"exam", "education"})  # 待确认, incomplete
    fill(own[2])  # 待确认, complete
    fill(own[3])  # 已确认, with a diploma image
    view = confirmation.my_record(session, actor=me(own[3]), year=YEAR)
    confirmation.upload_image(
        session, actor=me(own[3]), year=YEAR, slot="diploma", side="front", data=_certificate_jpeg(rng)
    )
    confirmation.confirm(session, actor=me(own[3]), year=YEAR, expected_hash=view.content_hash)
    fill(own[4])  # 待单位修改
    view = confirmation.my_record(session, actor=me(own[4]), year=YEAR)
    confirmation.confirm(session, actor=me(own[4]), year=YEAR, expected_hash=view.content_hash)
    confirmation.request_correction(
        session,
        actor=me(own[4]),
        year=YEAR,
        fields=["education.school", "probation[1].supervisor_name"],
        note="毕业学校应为示范医科大学临床医学院；带教老师已更换。",
    )
    fill(own[5])  # confirmed, then changed by the unit: 待确认 with the diff
    view = confirmation.my_record(session, actor=me(own[5]), year=YEAR)
    confirmation.confirm(session, actor=me(own[5]), year=YEAR, expected_hash=view.content_hash)
    changed = dict(view.record["education"])
    changed["school"] = "示范医科大学（更名后）"
    entry.save_section(session, actor=admin, year=YEAR, candidate_id=own[5], section="education", data=changed)

    others = session.scalars(
        select(UnitBinding.candidate_id).where(
            UnitBinding.unit_id == unit_id, active_binding(), UnitBinding.candidate_id.not_in(own)
        )
    ).all()
    for candidate_id in others[:MORE_LIMIT]:
        fill(candidate_id)
