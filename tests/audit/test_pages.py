"""The admin's 审计日志 page: actions in Chinese, whole-number ids; every action code services record has a label."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa

from db.engine import session_scope
from portal.audit import service as audit
from portal.audit.vocab import ACTION_LABELS
from portal.core.actor import SYSTEM
from tests import factories
from tests.app.helpers import assert_no_exception, login, new_app

PORTAL = Path(__file__).resolve().parents[2] / "portal"
CODE = r"\"([a-z_]+\.[a-z_]+)\""
ACTION_LITERAL = re.compile(rf"\baction\s*=\s*{CODE}|{CODE} if |else {CODE}")


def test_every_recorded_action_has_a_chinese_label():
    found = set()
    for path in PORTAL.rglob("*.py"):
        for match in ACTION_LITERAL.finditer(path.read_text(encoding="utf-8")):
            found.add(next(group for group in match.groups() if group))
    assert len(found) > 40
    missing = sorted(code for code in found if code not in ACTION_LABELS)
    assert not missing, missing
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in ACTION_LABELS.values())


def test_audit_page_shows_chinese_actions_and_integer_ids(engine):
    with session_scope(engine) as session:
        admin = factories.user(session, "admin")
        audit.record(session, actor=SYSTEM, action="demo.seed", object_type="database", summary="x")
        username = admin.username
    app = login(new_app(), username, factories.PASSWORD)
    app.switch_page("pages/admin/audit.py")
    app.run()
    assert_no_exception(app)
    frame = app.dataframe[0].value
    actions = set(frame["操作"])
    assert {"登录成功", "载入演示数据"} <= actions, actions
    assert not any(re.fullmatch(r"[a-z_]+\.[a-z_]+", a) for a in actions), actions
    # The browser draws the Arrow table it is sent: an integer column shows 1, not 1.0, also with empty cells.
    sent = pa.ipc.open_stream(app.dataframe[0].proto.arrow_data.data).read_all()
    assert pa.types.is_integer(sent.schema.field("操作者ID").type), sent.schema
    ids = [v for v in sent.column("操作者ID").to_pylist() if v is not None]
    assert ids and all(isinstance(v, int) for v in ids), ids
    assert "账号" in set(frame["对象"])
