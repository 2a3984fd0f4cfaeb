"""Exports are built when their button is pressed (deferred downloads), and then hold the table shown."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from db.engine import session_scope
from tests import factories
from tests.app.helpers import assert_no_exception, login, new_app
from tests.progress.helpers import exam_year


@pytest.fixture
def media(monkeypatch):
    """AppTest's media file manager of each run: deferred downloads are registered there."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.testing.v1 import app_test

    managers = []

    def recording(*args, **kwargs):
        managers.append(MediaFileManager(*args, **kwargs))
        return managers[-1]

    monkeypatch.setattr(app_test, "MediaFileManager", recording)
    return managers


def pressed(managers, button) -> bytes:
    """What the browser downloads when `button` is pressed."""
    assert button.deferred_file_id, "the file was built on the page run instead of when pressed"
    url = managers[-1].execute_deferred(button.deferred_file_id)
    return managers[-1].read_file(url.rsplit("/", 1)[-1].split(".")[0]).content


def test_reviewer_unit_export_is_built_when_pressed(engine, media):
    with session_scope(engine) as session:
        exam_year(session)
        unit = factories.unit(session, name="导出测试医院")
        factories.bind(session, factories.verified_candidate(session), unit)
        reviewer = factories.user(session, "reviewer").username
    app = login(new_app(), reviewer, factories.PASSWORD)
    app.switch_page("pages/reviewer/units.py")
    app.run()
    assert_no_exception(app)
    assert not app.get("download_button"), "the export buttons are drawn only while the 导出本页 menu is open"
    assert "导出本页" in [p.proto.popover.label for p in app.get("popover")]
    app.session_state["binding_status_export"] = True  # a click on 导出本页
    app.run()
    buttons = {d.proto.label: d.proto for d in app.get("download_button")}
    csv = pd.read_csv(io.BytesIO(pressed(media, buttons["导出本页 CSV"])), encoding="utf-8-sig")
    assert "导出测试医院" in set(csv["单位名称"])
    sheet = openpyxl.load_workbook(io.BytesIO(pressed(media, buttons["导出本页 XLSX"])))["单位绑定情况"]
    assert "导出测试医院" in [cell.value for cell in sheet["A"]] + [cell.value for cell in sheet["B"]]


def test_analyst_table_export_is_built_when_pressed(engine, media):
    with session_scope(engine) as session:
        exam_year(session)
        analyst = factories.user(session, "analyst").username
    app = login(new_app(), analyst, factories.PASSWORD)
    assert_no_exception(app)
    app.session_state["funnel_export"] = True  # a click on the 分维度统计 table's 导出
    app.run()
    buttons = [d.proto for d in app.get("download_button") if d.proto.label == "导出 CSV"]
    assert buttons
    shown = pressed(media, buttons[0]).decode("utf-8-sig")
    assert shown.splitlines(), "an export with not even a header row"
