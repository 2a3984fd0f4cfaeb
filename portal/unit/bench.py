"""Units benchmark: `python -m portal bench units [--json]`: import 5,000 generated units from an XLSX file.

Runs on PORTAL_DATABASE_URL when given (the units are added there; the seed is fixed, so a rerun updates them),
otherwise on a fresh SQLite database in a temporary folder. The time covers reading the XLSX, checking every
row and writing the units (the same `import_units` the command and the admin page use).
"""

from __future__ import annotations

import io
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from db.engine import make_engine, session_scope
from db.models import Base, Unit
from portal.core.actor import SYSTEM
from portal.unit import categories, regions
from portal.unit.codes import fictional_uscc
from portal.unit.importer import COLUMNS, import_units

RECORDS = 5_000
SEED = 20260101
KINDS = ["人民医院", "中医医院", "妇幼保健院", "疾病预防控制中心", "社区卫生服务中心", "卫生院", "门诊部", "卫生室"]


def generated_xlsx(records: int = RECORDS, seed: int = SEED) -> bytes:
    """An import file of `records` fictional units (valid codes, categories and Hubei region codes)."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    counties = [code for code in regions.REGIONS if not code.endswith("00")]
    category_values = categories.all_values()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("单位")
    sheet.append(list(COLUMNS))
    for index in range(records):
        region = rng.choice(counties)
        name = f"{regions.name_of(region)}第{index + 1}{rng.choice(KINDS)}（示范）"
        sheet.append(
            [
                name,
                fictional_uscc(rng, region),
                f"{regions.name_of(region[:4] + '00')}卫生健康委员会",
                rng.choice(category_values),
                region,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(*, database_url: str | None = None, records: int = RECORDS) -> dict:
    """Figures of CONTRACTS.md: {"records": N, "seconds": s} plus the database used."""
    data = generated_xlsx(records)
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        try:
            if database_url is None:
                Base.metadata.create_all(engine)
            started = time.perf_counter()
            with session_scope(engine) as session:
                result = import_units(session, actor=SYSTEM, data=data, filename="units.xlsx")
            seconds = time.perf_counter() - started
            with session_scope(engine) as session:
                total = session.scalar(select(func.count()).select_from(Unit))
        finally:
            engine.dispose()
    return {
        "records": result.imported + result.updated,
        "seconds": round(seconds, 3),
        "rejected": result.rejected_rows,
        "units_in_database": total,
        "database": make_url(url).get_backend_name() + (" (temporary)" if database_url is None else ""),
    }
