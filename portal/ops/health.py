"""Operator health checks: database, migrations, OCR model, disk space under PORTAL_DATA_DIR."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text

from db.migrate import current_revision, head_revision

MIN_FREE_BYTES = 1 << 30  # 1 GiB
MIN_FREE_SHARE = 0.05
DIALECTS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass(frozen=True)
class Check:
    """One health check: `ok`, a short English `detail` for the command line and its Chinese `message` for the
    系统状态 page."""

    name: str
    label: str
    ok: bool
    detail: str
    message: str


def check_database(engine: Engine) -> Check:
    """The database answers a trivial query."""
    started = time.perf_counter()
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - report, never raise
        return Check("database", "数据库连接", False, f"unreachable: {type(error).__name__}", "无法连接数据库")
    elapsed = (time.perf_counter() - started) * 1000
    return Check(
        "database",
        "数据库连接",
        True,
        f"{engine.dialect.name}, answered in {elapsed:.0f} ms",
        f"{DIALECTS.get(engine.dialect.name, engine.dialect.name)}，响应时间 {elapsed:.0f} 毫秒",
    )


def check_migrations(engine: Engine) -> Check:
    """The schema is at the newest migration."""
    try:
        current = current_revision(engine)
        head = head_revision(engine.url.render_as_string(hide_password=False))
    except Exception as error:  # noqa: BLE001
        return Check(
            "migrations",
            "数据库结构版本",
            False,
            f"cannot read revision: {type(error).__name__}",
            "无法读取数据库结构版本",
        )
    if current == head:
        return Check("migrations", "数据库结构版本", True, f"at {head}", f"已是最新版本（{head}）")
    return Check(
        "migrations",
        "数据库结构版本",
        False,
        f"at {current}, newest is {head}: run `python -m portal migrate`",
        f"当前版本 {current or '（未建表）'}，最新版本 {head}，请运行 python -m portal migrate 升级",
    )


def check_ocr(load: Callable[[], object] | None) -> Check:
    """The OCR model can be (or has been) loaded in this process."""
    if load is None:
        return Check("ocr", "OCR 模型", False, "not checked", "未检查")
    started = time.perf_counter()
    try:
        load()
    except Exception as error:  # noqa: BLE001
        return Check("ocr", "OCR 模型", False, f"cannot load: {type(error).__name__}", "无法加载 OCR 模型")
    elapsed = (time.perf_counter() - started) * 1000
    return Check("ocr", "OCR 模型", True, f"loaded ({elapsed:.0f} ms to get)", f"已加载（用时 {elapsed:.0f} 毫秒）")


def check_disk(data_dir: Path) -> Check:
    """Enough free space, and the data folder is writable."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".health-probe"
        probe.write_bytes(b"ok")
        probe.unlink()
        usage = shutil.disk_usage(data_dir)
    except OSError as error:
        return Check(
            "disk", "数据目录磁盘空间", False, f"data folder not writable: {type(error).__name__}", "数据目录不可写"
        )
    free_gb = usage.free / (1 << 30)
    share = usage.free / usage.total if usage.total else 0
    ok = usage.free >= MIN_FREE_BYTES and share >= MIN_FREE_SHARE
    return Check(
        "disk", "数据目录磁盘空间", ok, f"{free_gb:.1f} GiB free ({share:.0%})", f"剩余 {free_gb:.1f} GB（{share:.0%}）"
    )


def check_stored_numbers(engine: Engine) -> Check:
    """Every stored document number is plain ASCII in its normalised form (portal.ops.number_check)."""
    from sqlalchemy.orm import Session

    from portal.ops.number_check import find_unnormalised_numbers

    try:
        with Session(engine) as session:
            findings = find_unnormalised_numbers(session)
    except Exception as error:  # noqa: BLE001
        return Check("numbers", "证件号码规范化", False, f"cannot check: {type(error).__name__}", "无法检查")
    if not findings:
        return Check(
            "numbers",
            "证件号码规范化",
            True,
            "every stored document number is normalised ASCII",
            "全部证件号码均已规范化",
        )
    listed = ", ".join(f"application {f.verification_id} (user {f.user_id}, {f.status}): {f.problem}" for f in findings)
    return Check(
        "numbers",
        "证件号码规范化",
        False,
        f"{len(findings)} stored number(s) not normalised: {listed}"[:2000],
        f"有 {len(findings)} 条证件号码未规范化，详见命令行 python -m portal health",
    )


def run_checks(*, engine: Engine, data_dir: Path, load_ocr: Callable[[], object] | None) -> list[Check]:
    """All checks, in display order."""
    return [
        check_database(engine),
        check_migrations(engine),
        check_ocr(load_ocr),
        check_disk(data_dir),
        check_stored_numbers(engine),
    ]
