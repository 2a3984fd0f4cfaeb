"""Fictional demo data: one account per role, a few units, some candidates.

Every name, number and code here is generated; none belongs to a real person or institution.
Other domains add their own demo data through `EXTENSIONS`: "module:function" names of functions
`extend(session, rng, context)`, run in order after the base data. On a large seed they see only the hand-made
candidates (the first `bulk_seed.HAND_MADE` generated ones and the demo candidate); `portal.ops.bulk_seed` builds
the rest with COPY (PostgreSQL) or multi-row INSERT, which keeps 1,000,000 candidates within minutes.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Unit, User
from portal.audit import service as audit
from portal.auth.passwords import hash_password
from portal.core.actor import SYSTEM
from portal.core.timeutil import utcnow
from portal.ops import bulk_seed
from portal.unit.codes import USCC_ALPHABET, fictional_uscc, uscc_check_character  # noqa: F401 - re-exported

DEMO_PASSWORD = "Demo2026"

DEMO_ACCOUNTS = [
    # (username, role, display name, unit index or None)
    ("admin", "admin", "系统管理员（演示）", None),
    ("reviewer", "reviewer", "省级审核员（演示）", None),
    ("analyst", "analyst", "统计分析员（演示）", None),
    ("unit_admin", "unit_admin", "单位管理员（演示）", 0),
    ("13800000001", "candidate", "考生（演示）", None),
]

DEMO_UNITS = [
    # Fictional institutions; codes are made-up Unified Social Credit Codes with valid check characters.
    ("武汉市第十一示范医院", "湖北省卫生健康委员会", "医院", "420106"),
    ("武汉市洪山区示范社区卫生服务中心", "武汉市洪山区卫生健康局", "基层医疗卫生机构-社区卫生服务中心", "420111"),
    ("宜昌市示范中医医院", "宜昌市卫生健康委员会", "医院", "420502"),
    ("襄阳市示范疾病预防控制中心", "襄阳市卫生健康委员会", "专业公共卫生机构", "420602"),
    ("黄冈市蕲春县示范乡镇卫生院", "蕲春县卫生健康局", "基层医疗卫生机构-乡镇卫生院", "421126"),
]


@dataclass
class DemoContext:
    """What the base seed made, for extensions to build on."""

    units: list[int] = field(default_factory=list)
    candidates: list[int] = field(default_factory=list)
    accounts: dict[str, int] = field(default_factory=dict)
    seed: int = 0


EXTENSIONS: list[str] = [
    # one line per domain, e.g. "portal.identity.demo:extend"
    "portal.identity.demo:extend",  # first: only verified candidates can bind a unit
    "portal.unit.demo:extend",
    "portal.declaration.demo:extend",
    "portal.profile.demo:extend",
    "portal.access.demo:extend",
    "portal.ops.bulk_seed:extend",
]


def _extension(name: str) -> Callable[[Session, random.Random, DemoContext], None]:
    module_name, function_name = name.split(":")
    return getattr(importlib.import_module(module_name), function_name)


def is_empty(session: Session) -> bool:
    """True when the database holds no accounts yet."""
    return (session.scalar(select(func.count()).select_from(User)) or 0) == 0


def seed_demo(session: Session, *, candidates: int = 20, units: int = 5, seed: int = 2026) -> DemoContext:
    """Load fictional demo data (accounts for every role, units, candidates)."""
    rng = random.Random(seed)
    context = DemoContext(seed=seed)
    unit_rows = []
    for index in range(units):
        if index < len(DEMO_UNITS):
            name, superior, category, region = DEMO_UNITS[index]
        else:
            name, superior, category, region = _generated_unit(rng, index)
        unit_rows.append(
            {
                "name": name,
                "institution_code": fictional_uscc(rng, region),
                "superior_unit": superior,
                "category": category,
                "region_code": region,
                "status": "active",
            }
        )
    bulk_seed.write_rows(session, Unit, unit_rows)
    context.units = list(session.scalars(select(Unit.id).order_by(Unit.id)))

    demo_hash = hash_password(DEMO_PASSWORD)
    for username, role, display_name, unit_index in DEMO_ACCOUNTS:
        unit_id = context.units[unit_index] if unit_index is not None and context.units else None
        user = User(
            username=username,
            role=role,
            display_name=display_name,
            password_hash=demo_hash,
            unit_id=unit_id,
            mobile=username if role == "candidate" else None,
        )
        session.add(user)
        session.flush()
        context.accounts[username] = user.id
    context.candidates.append(context.accounts["13800000001"])

    rows = []
    now = utcnow()
    for index in range(max(0, candidates - 1)):
        mobile = f"139{index:08d}"
        rows.append(
            {
                "username": mobile,
                "mobile": mobile,
                "role": "candidate",
                "display_name": "",
                "password_hash": demo_hash,  # one bcrypt hash for every demo account
                "is_active": True,
                "failed_login_count": 0,
                "created_at": bulk_seed.registration_time(rng, now),
            }
        )
    with bulk_seed.deferred_indexes(session, User):
        bulk_seed.write_rows(session, User, rows)
    del rows
    context.candidates += list(
        session.scalars(select(User.id).where(User.role == "candidate", User.username.like("139%")).order_by(User.id))
    )
    hand_made = replace(context, candidates=context.candidates[: bulk_seed.HAND_MADE + 1])
    for name in EXTENSIONS:
        _extension(name)(session, rng, context if name == "portal.ops.bulk_seed:extend" else hand_made)
    audit.record(
        session,
        actor=SYSTEM,
        action="demo.seed",
        object_type="database",
        summary=f"units={units} candidates={candidates} seed={seed}",
    )
    return context


CITY_NAMES = {
    "4201": "武汉市",
    "4202": "黄石市",
    "4203": "十堰市",
    "4205": "宜昌市",
    "4206": "襄阳市",
    "4207": "鄂州市",
    "4208": "荆门市",
    "4209": "孝感市",
    "4210": "荆州市",
    "4211": "黄冈市",
    "4212": "咸宁市",
    "4213": "随州市",
    "4228": "恩施土家族苗族自治州",
}
UNIT_KINDS = [
    ("人民医院", "医院", 0.25),
    ("中医医院", "医院", 0.08),
    ("妇幼保健院", "专业公共卫生机构", 0.05),
    ("疾病预防控制中心", "专业公共卫生机构", 0.04),
    ("社区卫生服务中心", "基层医疗卫生机构-社区卫生服务中心", 0.22),
    ("卫生院", "基层医疗卫生机构-乡镇卫生院", 0.30),
    ("门诊部", "其他", 0.06),
]


def _generated_unit(rng: random.Random, index: int) -> tuple[str, str, str, str]:
    prefix = rng.choice(list(CITY_NAMES))
    region = prefix + f"{rng.randint(1, 30):02d}"
    suffix, category, _ = rng.choices(UNIT_KINDS, weights=[k[2] for k in UNIT_KINDS])[0]
    name = f"{CITY_NAMES[prefix]}第{index + 1}{suffix}（示范）"
    return name, f"{CITY_NAMES[prefix]}卫生健康委员会", category, region
