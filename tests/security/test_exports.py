"""Exports of candidates are masked unless a reviewer explicitly asks for full values, which is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import AuditEvent, PersonalDataAccess
from portal.core.errors import PermissionDenied
from portal.progress import unconfirmed
from tests import factories
from tests.declaration.conftest import open_year


@pytest.fixture
def unit_with_candidate(session):
    open_year(session)
    unit = factories.unit(session)
    number = factories.fictional_id_number(777)
    candidate = factories.verified_candidate(session, real_name="欧阳测试", document_number=number)
    factories.bind(session, candidate, unit)
    return unit, candidate, number


def test_export_is_masked_by_default(session, unit_with_candidate):
    unit, candidate, number = unit_with_candidate
    reviewer = factories.actor(session, "reviewer")
    rows = unconfirmed.export_open_records(session, actor=reviewer, unit_id=unit.id)
    assert rows and rows[0]["姓名"] == "欧***" and "证件号码" not in rows[0]
    assert number not in str(rows) and candidate.mobile not in str(rows)
    actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("export.%"))))
    assert actions == ["export.masked"]


def test_full_values_only_on_request_and_audited(session, unit_with_candidate):
    unit, candidate, number = unit_with_candidate
    reviewer = factories.actor(session, "reviewer")
    rows = unconfirmed.export_open_records(
        session, actor=reviewer, unit_id=unit.id, full_values=True, reason="电话通知考生"
    )
    assert rows[0]["姓名"] == "欧阳测试" and rows[0]["证件号码"] == number and rows[0]["手机号"] == candidate.mobile
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "export.full_values"))
    assert event.actor_id == reviewer.user_id and number not in event.summary
    exported = session.scalars(
        select(PersonalDataAccess).where(
            PersonalDataAccess.candidate_id == candidate.id, PersonalDataAccess.action == "export"
        )
    ).all()
    assert len(exported) == 1 and exported[0].reader_role == "reviewer"


@pytest.mark.parametrize("role", ["analyst", "unit_admin", "candidate", "admin"])
def test_only_reviewers_export_candidates(session, unit_with_candidate, role):
    unit, _, _ = unit_with_candidate
    someone = factories.actor(session, role, unit=unit if role == "unit_admin" else None)
    with pytest.raises(PermissionDenied):
        unconfirmed.export_open_records(session, actor=someone, unit_id=unit.id, full_values=True)


def test_every_spreadsheet_export_goes_through_the_formula_safe_writer():
    """No page or service writes CSV/XLSX itself: a cell like =HYPERLINK(...) typed by a candidate must be neutralised
    by portal/core/export.py (which prefixes = + - @ tab and CR with an apostrophe)."""
    import ast
    from pathlib import Path

    import pandas as pd

    from portal.core.export import FORMULA_PREFIXES, to_csv_bytes

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in [root / "streamlit_app.py", *(root / "pages").rglob("*.py"), *(root / "portal").rglob("*.py")]:
        if path == root / "portal" / "core" / "export.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"to_csv", "to_excel", "writer", "DictWriter"}
            ):
                offenders.append(f"{path.relative_to(root)}:{node.lineno} .{node.func.attr}(")
    assert offenders == []
    notes = ['=HYPERLINK("http://example.invalid","点此")', "+1", "-1", "@SUM(A1)", "\tx", "\rx"]
    hostile = pd.DataFrame({"考生说明": notes})
    cells = to_csv_bytes(hostile).decode("utf-8-sig").splitlines()[1:]
    assert not [cell for cell in cells if cell.lstrip('"').startswith(FORMULA_PREFIXES)]
