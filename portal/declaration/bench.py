"""Declarations benchmark: `python -m portal bench declarations [--json]`.

Builds 10,000 fictional verified candidates bound to one unit, writes the XLSX template filled with a complete
record for each (基本信息, 学历信息, 护士执业证 无此信息, 试用期单位; every tenth with a 医师资格证 too), then times
`import_declarations` on it: reading the file, checking every row and rule, writing the records. Runs on
PORTAL_DATABASE_URL when given (it adds its own exam year, unit and candidates), otherwise on a temporary SQLite.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from db.engine import make_engine, session_scope
from db.models import Base, ExamYear, IdentityVerification, Unit, UnitBinding, User
from portal.core.actor import SYSTEM
from portal.core.crypto import encrypt_text, lookup_hash, mask
from portal.core.timeutil import today_local, utcnow
from portal.declaration import template
from portal.declaration.importer import import_declarations
from portal.ops.demo import fictional_uscc

RECORDS = 10_000
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def fictional_number(index: int, *, region: str = "420106", first_birth: date = date(1990, 1, 1)) -> str:
    """A well-formed fictional resident ID number (valid check digit), distinct for each index."""
    birth = first_birth + timedelta(days=index // 500)
    body = f"{region}{birth:%Y%m%d}{index % 500 + 100:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def _setup(session, records: int, rng: random.Random) -> tuple[int, int, list[str]]:
    today = today_local()
    year = (session.scalar(select(func.max(ExamYear.year))) or 2025) + 1  # a year of its own
    session.add(
        ExamYear(
            year=year,
            name=f"{year}年度医师资格",
            entry_opens_on=today - timedelta(days=1),
            entry_closes_on=today + timedelta(days=30),
            confirmation_opens_on=today - timedelta(days=1),
            confirmation_closes_on=today + timedelta(days=30),
            cutoff_on=date(year, 8, 31),
        )
    )
    unit = Unit(name=f"基准测试示范医院{rng.randint(1000, 9999)}", institution_code=fictional_uscc(rng, "420106"))
    session.add(unit)
    session.flush()
    tag = f"{rng.randint(0, 99_999):05d}"
    session.execute(
        insert(User),
        [
            {"username": f"b{tag}{i:06d}", "password_hash": "!", "role": "candidate", "display_name": ""}
            for i in range(records)
        ],
    )
    ids = list(session.scalars(select(User.id).where(User.username.like(f"b{tag}%")).order_by(User.username)))
    first_birth = date(1990, 1, 1) + timedelta(days=rng.randint(0, 1500))
    numbers = [fictional_number(i, first_birth=first_birth) for i in range(records)]
    now = utcnow()
    session.execute(
        insert(IdentityVerification),
        [
            {
                "user_id": user_id,
                "real_name": f"基准考生{i}",
                "document_type": "resident_id",
                "document_number_enc": encrypt_text(number),
                "document_number_hash": lookup_hash(number),
                "document_number_masked": mask(number),
                "status": "verified",
                "region_code": number[:6],
                "birth_date": date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                "decided_at": now,
            }
            for i, (user_id, number) in enumerate(zip(ids, numbers, strict=True))
        ],
    )
    session.execute(insert(UnitBinding), [{"candidate_id": user_id, "unit_id": unit.id} for user_id in ids])
    return year, unit.id, numbers


def generated_rows(numbers: list[str]) -> dict[str, list[list]]:
    """Template rows of a complete record for each number."""
    rows: dict[str, list[list]] = {"exam": [], "education": [], "qualification_certificate": []}
    rows["nurse_certificate"], rows["probation"] = [], []
    for i, number in enumerate(numbers):
        rows["exam"].append([number, f"基准考生{i}", "执业医师", "临床", "否", "是"])
        rows["education"].append(
            [number, "本科", "普通全日制", "2014-09-01", "2019-06-30", "示范医科大学", 5, "临床医学类", "临床医学",
             f"D{i:08d}", None]
        )  # fmt: skip
        rows["nurse_certificate"].append([number, "是"])
        rows["probation"].append([number, "基准测试示范医院", "住院医师", "2019-07-15", None, "王老师"])
        if i % 10 == 0:
            rows["qualification_certificate"].append([number, "执业助理医师", "临床", "2020-12-01", f"Q{i:010d}"])
    return rows


def run(*, database_url: str | None = None, records: int = RECORDS) -> dict:
    """Figures of CONTRACTS.md: {"records": N, "seconds": s} plus rejected rows and the database used."""
    rng = random.Random()
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        try:
            if database_url is None:
                Base.metadata.create_all(engine)
            with session_scope(engine) as session:
                year, unit_id, numbers = _setup(session, records, rng)
            data = template.template_bytes(generated_rows(numbers))
            started = time.perf_counter()
            with session_scope(engine) as session:
                result = import_declarations(session, actor=SYSTEM, year=year, data=data, unit_id=unit_id)
            seconds = time.perf_counter() - started
        finally:
            engine.dispose()
    return {
        "records": result.imported + result.updated,
        "seconds": round(seconds, 3),
        "rejected": result.rejected,
        "file_bytes": len(data),
        "database": make_url(url).get_backend_name() + (" (temporary)" if database_url is None else ""),
    }
