"""Demo postal addresses: two for the demo candidate 13800000001 (one default), one for some other candidates."""

from __future__ import annotations

import random

from sqlalchemy import insert
from sqlalchemy.orm import Session

from db.models import Address
from portal.profile import regions

STREETS = ["中山路", "解放大道", "民主路", "建设大道", "沿江大道", "珞喻路", "胜利街", "人民路"]
SURNAMES = "张王李赵刘陈杨黄周吴"


def extend(session: Session, rng: random.Random, context) -> None:
    """Bulk-insert fictional addresses in Hubei."""
    rows = []
    main = context.accounts.get("13800000001")
    if main:
        rows.append(_row(main, rng, "420100", "420106", default=True, recipient="考生本人"))
        rows.append(_row(main, rng, "420500", "420502", default=False, recipient="王小明"))
    hubei_cities = [code for code, _ in regions.cities(regions.HUBEI)]
    for candidate in context.candidates[:2000]:
        if candidate == main or rng.random() < 0.5:
            continue
        city = rng.choice(hubei_cities)
        county = rng.choice(regions.counties(city))[0]
        rows.append(_row(candidate, rng, city, county, default=True))
    for start in range(0, len(rows), 5000):
        session.execute(insert(Address), rows[start : start + 5000])


def _row(user_id: int, rng: random.Random, city: str, county: str, *, default: bool, recipient: str = "") -> dict:
    return {
        "user_id": user_id,
        "recipient": recipient or rng.choice(SURNAMES) + rng.choice(["明", "华", "静", "伟", "芳", "磊"]),
        "phone": f"139{rng.randrange(10**8):08d}",
        "province_code": regions.HUBEI,
        "city_code": city,
        "county_code": county,
        "detail": f"{rng.choice(STREETS)}{rng.randint(1, 999)}号{rng.randint(1, 30)}栋{rng.randint(101, 2505)}室",
        "postal_code": "",
        "is_default": default,
    }
