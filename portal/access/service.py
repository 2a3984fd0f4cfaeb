"""Record reads of a candidate's personal data by anyone other than the candidate."""

from __future__ import annotations

from sqlalchemy.orm import Session

from db.models import PersonalDataAccess
from portal.auth.actor import Actor

SECTIONS = {
    "identity": "实名认证信息",
    "basic": "基本信息",
    "education": "学历信息",
    "title": "专业技术职称",
    "qualification_certificate": "医师资格证",
    "practice_certificate": "医师执业证",
    "nurse_certificate": "护士执业证",
    "probation": "试用期信息",
    "declaration": "申报信息",
    "unit_binding": "单位绑定信息",
}
ACTIONS = {"view": "查看了", "edit": "修改了", "export": "导出了", "review": "审核了", "view_denied": "尝试查看"}


def record(session: Session, *, actor: Actor, candidate_id: int, section: str, action: str = "view") -> None:
    """Log that `actor` read (or edited, exported…) `section` of the candidate's data; own reads are not logged."""
    if actor.user_id == candidate_id:
        return
    session.add(
        PersonalDataAccess(
            candidate_id=candidate_id,
            reader_id=actor.user_id,
            reader_role=actor.role,
            reader_unit_id=actor.unit_id,
            section=section,
            action=action,
        )
    )
    session.flush()
