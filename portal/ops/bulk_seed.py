"""Demo data at provincial scale for the dashboards (`seed-demo --candidates 100000 --units 5000`).

Runs after the other domains' demo extensions. The first `HAND_MADE` generated candidates keep what those
extensions made for them (the hand-made cases of every page); the rest — the bulk — become a realistic fictional
province: registrations spread over eight weeks, most verified (some pending in several document types, some
rejected, some never finished), most verified candidates bound to a unit (larger units get more), declarations
in every confirmation status with several exam categories and education levels, their eligibility verdicts,
wrong confirmation codes and 机构注册 requests. The other demo extensions see only the hand-made candidates
(`seed_demo` hands them a shortened list); this module gives the bulk its identities itself, in the shares the
identity demo used to make. Rows go in with `write_rows`: PostgreSQL COPY (text format) on PostgreSQL, multi-row
INSERT elsewhere; personal data is encrypted before it is written (one Fernet and one look-up key for the whole
run instead of reading the settings per value). The statistics snapshot is built at the end so that the first
analyst page opens at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from sqlalchemy import Table, insert, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

from db.models import (
    CorrectionRequest,
    Declaration,
    DeclarationEducation,
    DeclarationVerdict,
    ExamYear,
    IdentityCheckAttempt,
    IdentityVerification,
    ProbationPeriod,
    Unit,
    UnitBinding,
    UnitCodeAttempt,
    UnitRegistration,
    User,
)
from db.types import EncryptedText
from portal.core import crypto
from portal.core.actor import SYSTEM
from portal.core.crypto import mask
from portal.core.text import normalize_document_number
from portal.core.timeutil import utcnow
from portal.eligibility.service import judge
from portal.identity.check.numbers import check_digit
from portal.identity.policy import current_verification
from portal.unit.codes import fictional_uscc

HAND_MADE = 50  # generated candidates left as the other demos made them
BATCH = 5000
COPY_BATCH = 20000  # rows per COPY write
DAYS = 56  # registration season so far
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建红文辉宇鹏浩飞欣怡晨晓雪梅琳婷颖佳俊博思远"
OTHER_DOCUMENTS = [
    ("hk_macau_permit", lambda r: f"H{r.randrange(10**7, 10**8)}"),
    ("taiwan_permit", lambda r: f"{r.randrange(10**7, 10**8)}"),
    ("passport", lambda r: f"E{r.randrange(10**7, 10**8)}"),
    ("foreign_permanent_residence", lambda r: f"{r.randrange(10**14, 10**15)}"),
]
CATEGORY_WEIGHTS = {"医院": 12.0, "专业公共卫生机构": 3.0, "基层医疗卫生机构": 1.0, "其他": 0.6}
EDUCATION = [("本科", 55, 5), ("专科", 28, 3), ("硕士研究生", 11, 3), ("中专", 4, 3), ("博士研究生", 2, 3)]
CATEGORIES = [
    ("临床", 64, "临床医学类", "临床医学"),
    ("中医", 18, "中医学类", "中医学"),
    ("口腔", 11, "口腔医学类", "口腔医学"),
    ("公共卫生", 7, "公共卫生与预防医学类", "预防医学"),
]
STATUS_PLAN = [("none", 10), ("pending", 24), ("correction_requested", 5), ("confirmed", 61)]


def _weighted(rng: random.Random, table, weight_index: int = 1):
    return rng.choices(table, weights=[row[weight_index] for row in table])[0]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _day_offset(rng: random.Random, now: datetime) -> float:
    """Days before now of a registration: a ramp towards the present with a weekly rhythm."""
    while True:
        days = rng.triangular(0, DAYS, 8)
        weekday = (now - timedelta(days=days)).weekday()
        if weekday < 5 or rng.random() < 0.45:
            return days


def registration_time(rng: random.Random, now: datetime) -> datetime:
    """When a demo candidate registered (`seed_demo` writes it with the account)."""
    return now - timedelta(days=_day_offset(rng, now), minutes=rng.randint(0, 600))


class _Cipher:
    """The portal's encryption and look-up hash with the keys read once (same output as `portal.core.crypto`)."""

    def __init__(self) -> None:
        secret, old = crypto._keys()
        self._fernet = crypto._fernet(secret, old)
        self._hmac_key = crypto._hmac_key(secret)

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode("ascii")

    def lookup_hash(self, value: str) -> str:
        return hmac.new(self._hmac_key, normalize_document_number(value).encode(), hashlib.sha256).hexdigest()


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


_COPY_FORMAT = {
    str: lambda v: v.translate(_COPY_ESCAPES),
    bool: lambda v: "t" if v else "f",
    int: str,
    float: repr,
    date: date.isoformat,
    datetime: datetime.isoformat,
    type(None): lambda v: "\\N",
}


def _copy_text(value) -> str:
    format_ = _COPY_FORMAT.get(type(value))
    if format_ is None:  # subclasses: StrEnum labels, IntEnum
        format_ = next(f for kind, f in _COPY_FORMAT.items() if isinstance(value, kind))
        value = str(value) if isinstance(value, str) else value
    return format_(value)


@contextmanager
def deferred_indexes(session: Session, *models):
    """On PostgreSQL, drop the secondary indexes and foreign keys of tables about to be bulk-loaded and build
    them once at the end, as pg_restore does: one sorted index build and one validating join per key cost far
    less than maintaining them row by row. Same transaction, so a failure leaves the schema as it was; the
    rebuilt unique indexes and foreign keys check every loaded row. Elsewhere does nothing."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    tables = [model.__table__ for model in models]
    indexes = [index for table in tables for index in table.indexes]
    keys = [key for table in tables for key in table.foreign_key_constraints]
    for key in keys:
        session.execute(DropConstraint(key))
    for index in indexes:
        session.execute(DropIndex(index))
    yield
    for index in indexes:
        session.execute(CreateIndex(index))
    for key in keys:
        session.execute(AddConstraint(key))


def write_rows(session: Session, target, rows: list[dict], cipher: _Cipher | None = None) -> None:
    """Insert `rows` (dicts with the same keys, plain values) into a model's table.

    PostgreSQL: COPY in text format on the session's own connection (same transaction); columns left out take
    their scalar Python default or the server default, `EncryptedText` columns are encrypted here. Other
    backends: multi-row INSERT in batches (the column types encrypt).
    """
    table: Table = getattr(target, "__table__", target)
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        for start in range(0, len(rows), BATCH):
            session.execute(insert(table), rows[start : start + BATCH])
        return
    cipher = cipher or _Cipher()
    names = list(rows[0])
    defaults = {}
    for column in table.columns:
        default = column.default
        if column.name not in rows[0] and default is not None and default.is_scalar:
            defaults[column.name] = default.arg
    names += list(defaults)
    encrypted = {name for name in names if isinstance(table.c[name].type, EncryptedText)}
    quote = session.get_bind().dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(name) for name in names)}) FROM STDIN"
    connection = session.connection().connection.dbapi_connection
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for start in range(0, len(rows), COPY_BATCH):
            lines = []
            for row in rows[start : start + COPY_BATCH]:
                values = {**row, **defaults} if defaults else row
                if encrypted:
                    values = {
                        **values,
                        **{n: cipher.encrypt(str(values[n])) for n in encrypted if values[n] is not None},
                    }
                lines.append("\t".join([_copy_text(values[name]) for name in names]))
            copy.write("\n".join(lines) + "\n")


def extend(session: Session, rng: random.Random, context) -> None:
    """Beyond the hand-made cases, build the fictional province; registrations were spread by `seed_demo`."""
    now = utcnow()
    main = context.accounts.get("13800000001")
    candidates = [c for c in context.candidates if c != main]
    bulk = candidates[HAND_MADE:]
    if main is not None:
        session.execute(update(User).where(User.id == main).values(created_at=registration_time(rng, now)))
    if bulk:
        registered: dict[int, datetime] = dict(
            session.execute(select(User.id, User.created_at).where(User.role == "candidate")).all()
        )
        loaded = (IdentityVerification, IdentityCheckAttempt, UnitBinding, Declaration, DeclarationEducation)
        with deferred_indexes(session, *loaded, ProbationPeriod, DeclarationVerdict, CorrectionRequest):
            _province(session, rng, context, bulk, registered, now)
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("ANALYZE"))  # planner statistics for the freshly loaded tables
    from portal.stats.service import refresh_statistics

    refresh_statistics(session, actor=SYSTEM, force=True)
    if bulk and session.get_bind().dialect.name == "postgresql":
        for table in ("statistics_fact", "statistics_cell", "unit_progress", "declaration_verdict"):
            session.execute(text(f"ANALYZE {table}"))  # the snapshot's tables, filled just now


def _province(session, rng, context, bulk, registered, now) -> None:
    units = session.execute(select(Unit.id, Unit.region_code, Unit.category).where(Unit.status == "active")).all()
    unit_weights = [CATEGORY_WEIGHTS.get((u.category or "").split("-")[0], 1.0) * rng.uniform(0.3, 1.7) for u in units]
    unit_regions = [u.region_code for u in units if u.region_code.startswith("42")] or ["420106"]

    # Identity: the shares the identity demo gave a large seed (70 % verified) and then this module's own
    # split of the rest (62 % verified, 18 % pending, 8 % rejected, 12 % never finished).
    cipher = _Cipher()
    used_hashes = set(
        session.scalars(
            select(IdentityVerification.document_number_hash).where(IdentityVerification.status == "verified")
        )
    )
    used_numbers: set[str] = set()
    identity_rows, attempts_for = [], []
    verified_at: dict[int, datetime] = {}
    for candidate in bulk:
        roll = rng.random()
        status = "verified" if roll < 0.886 else "pending" if roll < 0.94 else "rejected" if roll < 0.964 else None
        if status is None:
            continue  # registered only: never finished real-name verification
        if status == "pending" and rng.random() < 0.25:
            document_type, make = rng.choice(OTHER_DOCUMENTS)
            number, region, born, sex, method = make(rng), "", None, None, "manual_other"
            number_hash = cipher.lookup_hash(number)
        else:
            document_type, method = "resident_id", "auto_id_card" if status == "verified" else "manual_id_card"
            while True:
                region = rng.choice(unit_regions)
                born = date(1975, 1, 1) + timedelta(days=rng.randrange(0, 27 * 365))
                first17 = f"{region}{born:%Y%m%d}{rng.randrange(1000):03d}"
                number = first17 + check_digit(first17)
                if number in used_numbers:
                    continue
                number_hash = cipher.lookup_hash(number)
                if number_hash not in used_hashes:
                    used_numbers.add(number)
                    break
            sex = "男" if int(number[16]) % 2 else "女"
        submitted = registered[candidate] + timedelta(minutes=rng.randint(5, 60 * 24 * 3))
        submitted = min(submitted, now - timedelta(minutes=rng.randint(10, 600)))
        decided = submitted + timedelta(hours=rng.randint(1, 30)) if status != "pending" else None
        if decided is not None:
            decided = min(decided, now - timedelta(minutes=1))
        if status == "verified" and roll < 0.7:  # the quick automatic check the identity demo used to make
            decided = min(
                registered[candidate] + timedelta(minutes=rng.randint(2, 60 * 24 * 2)), now - timedelta(minutes=5)
            )
            submitted = decided - timedelta(minutes=1)
        if status == "verified":
            verified_at[candidate] = decided
        row = {
            "user_id": candidate,
            "is_current": True,
            "real_name": _name(rng),
            "document_type": document_type,
            "document_number_enc": cipher.encrypt(number),
            "document_number_hash": number_hash,
            "document_number_masked": mask(number),
            "method": method,
            "status": status,
            "region_code": region,
            "sex": sex,
            "birth_date": born,
            "auto_attempts": 3 if method == "manual_id_card" else 0,
            "submitted_at": submitted,
            "decided_at": decided,
            "reviewer_id": context.accounts.get("reviewer") if status == "rejected" else None,
            "decision_reason": "证件照片模糊，无法辨认证件号码，请在光线充足处重新拍摄上传。"
            if status == "rejected"
            else None,
            "check_summary_enc": None,
            "created_at": submitted,
        }
        if method == "manual_id_card":
            reading = {
                "decision": "mismatch",
                "reasons": ["number_mismatch"],
                "extracted": {"name": row["real_name"], "id_number": number[:-1] + str((int(number[-2]) + 3) % 10)},
            }
            row["check_summary_enc"] = cipher.encrypt(json.dumps(reading, ensure_ascii=False))
            attempts_for.append(candidate)
        identity_rows.append(row)
    write_rows(session, IdentityVerification, identity_rows, cipher)
    if attempts_for:
        ids = []
        for start in range(0, len(attempts_for), BATCH):
            ids += session.scalars(
                select(IdentityVerification.id).where(
                    IdentityVerification.user_id.in_(attempts_for[start : start + BATCH]),
                    current_verification(),
                )
            ).all()
        attempts = [
            {"verification_id": vid, "decision": decision, "reasons": reasons, "seconds": 0.5, "created_at": now}
            for vid in ids
            for decision, reasons in (("retake", "blurry"), ("retake", "glare"), ("mismatch", "number_mismatch"))
        ]
        write_rows(session, IdentityCheckAttempt, attempts, cipher)

    # Bindings: only verified candidates can bind; ~86% of them have, to units weighted by size.
    chosen_units = rng.choices(range(len(units)), weights=unit_weights, k=len(verified_at)) if units else []
    binding_rows, bound_at = [], {}
    for (candidate, when), unit_index in zip(verified_at.items(), chosen_units, strict=False):
        if rng.random() >= 0.86:
            continue
        at = min(when + timedelta(minutes=rng.randint(10, 60 * 24 * 4)), now - timedelta(minutes=1))
        unit = units[unit_index]
        bound_at[candidate] = (unit, at)
        binding_rows.append({"candidate_id": candidate, "unit_id": unit.id, "created_by": candidate, "created_at": at})
    write_rows(session, UnitBinding, binding_rows, cipher)

    _declarations(session, rng, bound_at, now, cipher)
    _unit_noise(session, rng, context, units, list(verified_at), now)


def _declarations(session: Session, rng: random.Random, bound_at: dict, now: datetime, cipher: _Cipher) -> None:
    exam_year = session.scalar(select(ExamYear).order_by(ExamYear.year.desc()).limit(1))
    if exam_year is None or not bound_at:
        return
    today = (now + timedelta(hours=8)).date()
    existing = set(session.scalars(select(Declaration.candidate_id).where(Declaration.exam_year_id == exam_year.id)))
    plans: dict[int, dict] = {}
    rows = []
    for candidate, (unit, at) in bound_at.items():
        if candidate in existing:
            continue
        status = _weighted(rng, STATUS_PLAN)[0]
        if status == "none":
            continue
        level = _weighted(rng, EDUCATION)[0]
        category, _, major_type, major = _weighted(rng, CATEGORIES, 1)
        exam_level = "执业医师" if level in ("本科", "硕士研究生", "博士研究生") else "执业助理医师"
        fresh = rng.random() < 0.38
        graduated = date(exam_year.year - 1 if fresh else exam_year.year - rng.randint(2, 6), 6, 30)
        schooling = 5 if level == "本科" else 3
        enrolled = date(graduated.year - schooling, 9, 1)
        if fresh:
            started = date(exam_year.year - 1, rng.choice((7, 7, 8, 9, 10, 11)), rng.randint(1, 28))
        else:
            started = graduated + timedelta(days=rng.randint(10, 400))
        if rng.random() < 0.06:
            started = date(exam_year.year, rng.randint(1, 5), 1)  # too late for the cut-off: 不满足
        created = min(at + timedelta(hours=rng.randint(2, 24 * 10)), now - timedelta(minutes=30))
        updated = min(created + timedelta(hours=rng.randint(0, 48)), now - timedelta(minutes=20))
        confirmed = min(updated + timedelta(hours=rng.randint(1, 24 * 6)), now - timedelta(minutes=5))
        missing_education = rng.random() < 0.05 and status != "confirmed"
        plans[candidate] = {
            "education": None
            if missing_education
            else {
                "education_level": level,
                "study_form": "普通全日制",
                "enrolled_on": enrolled,
                "graduated_on": graduated,
                "school": rng.choice(["示范医科大学", "示例中医药大学", "演示医学院", "示范职业技术学院"]),
                "schooling_years": schooling,
                "major_type": major_type,
                "major": major,
                "diploma_number": f"1{rng.randrange(10**16, 10**17)}",
            },
            "probation": {
                "institution": "（示范）本单位",
                "post": rng.choice(["住院医师", "内科医师", "外科医师", "全科医师"]),
                "work_started_on": started,
                "work_ended_on": None,
                "supervisor_name": rng.choice(["周老师", "吴老师", "郑老师", "钱老师"]),
            },
            "status": status,
            "created": created,
        }
        rows.append(
            {
                "exam_year_id": exam_year.id,
                "candidate_id": candidate,
                "unit_id": unit.id,
                "confirmation_status": status,
                "exam_level": exam_level,
                "exam_category": category,
                "is_assistant_upgrading": False,
                "is_fresh_graduate": fresh,
                "has_nurse_certificate": False,
                "revision": 3,
                "confirmed_revision": 3 if status != "pending" else None,
                "confirmed_hash": hashlib.sha256(f"demo-{candidate}".encode()).hexdigest()
                if status == "confirmed"
                else None,
                "confirmed_at": confirmed if status == "confirmed" else None,
                "created_at": created,
                "updated_at": updated,
                "updated_by": None,
            }
        )
    write_rows(session, Declaration, rows, cipher)
    ids: dict[int, int] = dict(
        session.execute(
            select(Declaration.candidate_id, Declaration.id).where(Declaration.exam_year_id == exam_year.id)
        ).all()
    )
    education, probation, verdict_rows, requests = [], [], [], []
    verdicts: dict[tuple, str] = {}
    by_candidate = {row["candidate_id"]: row for row in rows}
    for candidate, plan in plans.items():
        declaration_id = ids[candidate]
        if plan["education"]:
            education.append({"declaration_id": declaration_id, "degree_report_number": None, **plan["education"]})
        probation.append({"declaration_id": declaration_id, "position": 1, **plan["probation"]})
        row = by_candidate[candidate]
        # The judge is pure and reads neither the school nor the diploma number: equal keys, equal verdicts.
        education_key = plan["education"] and tuple(
            v for k, v in sorted(plan["education"].items()) if k not in ("school", "diploma_number")
        )
        key = (
            row["exam_level"],
            row["exam_category"],
            row["is_fresh_graduate"],
            education_key,
            plan["probation"]["work_started_on"],
        )
        verdict = verdicts.get(key)
        if verdict is None:
            record = {
                "exam_level": row["exam_level"],
                "exam_category": row["exam_category"],
                "is_assistant_upgrading": False,
                "is_fresh_graduate": row["is_fresh_graduate"],
                "education": None
                if not plan["education"]
                else {k: (v.isoformat() if isinstance(v, date) else v) for k, v in plan["education"].items()},
                "probation": [
                    {"work_started_on": plan["probation"]["work_started_on"].isoformat(), "work_ended_on": None}
                ],
                "qualification_certificates": [],
                "practice_certificate": None,
            }
            verdict = verdicts[key] = judge(
                record, year=exam_year.year, cutoff=exam_year.cutoff_on, as_of=today
            ).verdict
        verdict_rows.append(
            {
                "declaration_id": declaration_id,
                "exam_year_id": exam_year.id,
                "revision": 3,
                "cutoff_on": exam_year.cutoff_on,
                "judged_on": today,
                "verdict": verdict,
            }
        )
        if plan["status"] == "correction_requested":
            requests.append(
                {
                    "declaration_id": declaration_id,
                    "revision": 3,
                    "fields": json.dumps(["probation[1].supervisor_name"]),
                    "note": "带教老师已更换，请单位更正。",
                    "requested_by": candidate,
                    "created_at": plan["created"] + timedelta(hours=rng.randint(1, 72)),
                }
            )
    for table, values in (
        (DeclarationEducation, education),
        (ProbationPeriod, probation),
        (DeclarationVerdict, verdict_rows),
        (CorrectionRequest, requests),
    ):
        write_rows(session, table, values, cipher)


def _unit_noise(session: Session, rng: random.Random, context, units, verified: list[int], now: datetime) -> None:
    """Wrong confirmation codes against a few units, and a few pending 机构注册 requests."""
    if not units or not verified:
        return
    attempts = []
    for unit in rng.sample(units, k=max(1, len(units) // 60)):
        for _ in range(rng.choice((2, 3, 5, 6, 8, 12, 20))):
            attempts.append(
                {
                    "unit_id": unit.id,
                    "candidate_id": rng.choice(verified),
                    "created_at": now - timedelta(days=rng.uniform(0, 28)),
                }
            )
    write_rows(session, UnitCodeAttempt, attempts)
    registrations = []
    for index in range(min(12, max(2, len(units) // 400))):
        region = rng.choice(units).region_code or "420106"
        registrations.append(
            {
                "name": f"示范第{index + 1}社区卫生服务站（申请中）",
                "institution_code": fictional_uscc(rng, region if region.startswith("42") else "420106"),
                "superior_unit": "示范卫生健康局",
                "category": "基层医疗卫生机构-社区卫生服务站",
                "region_code": region,
                "contact_name": _name(rng),
                "contact_mobile": f"137{rng.randrange(10**8):08d}",
                "status": "pending",
                "created_at": now - timedelta(hours=rng.randint(1, 24 * 10)),
            }
        )
    session.execute(insert(UnitRegistration), registrations)
