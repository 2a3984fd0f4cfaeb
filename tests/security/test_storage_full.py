"""A full disk or a read-only data folder: the user is told 存储空间不足，请联系管理员 (not 系统繁忙), no partial
*.tmp file is left, the database is unchanged, and the operator finds the cause in the log (no personal data)."""

from __future__ import annotations

import errno
import logging

import pytest
from sqlalchemy import select

from db.engine import session_scope
from db.models import IdentityVerification
from portal.core import storage
from portal.core.errors import PortalError, StorageUnavailable
from portal.core.settings import get_settings
from tests import factories
from tests.app.helpers import assert_no_exception, errors, login, new_app, texts
from tests.identity.test_service import GENUINE, image

STORAGE_FULL = "存储空间不足，请联系管理员"
BUSY = "系统繁忙"


@pytest.fixture(autouse=True)
def files_before():
    """The data folder is shared by the whole test run: compare with what was there before this test."""
    global BEFORE_TMP, BEFORE_STORED
    BEFORE_TMP, BEFORE_STORED = leftovers(), stored()


BEFORE_TMP: list[str] = []
BEFORE_STORED: list[str] = []


def leftovers() -> list[str]:
    root = get_settings().data_dir
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.suffix == ".tmp")


def stored() -> list[str]:
    root = get_settings().data_dir / "private"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def fail_after(monkeypatch, code: int, *, written: int = 4096) -> None:
    """The lowest-level write of the storage module writes `written` bytes, then fails with `code`."""
    real = storage._write
    budget = {"left": written}

    def write(fd: int, data) -> int:
        if budget["left"] <= 0:
            raise OSError(code, "simulated")
        done = real(fd, bytes(data)[: budget["left"]])
        budget["left"] -= done
        return done

    monkeypatch.setattr(storage, "_write", write)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES])
def test_a_failed_write_removes_its_partial_file_and_says_storage_is_full(monkeypatch, code, caplog):
    fail_after(monkeypatch, code)
    with caplog.at_level(logging.ERROR, logger="portal.storage"), pytest.raises(StorageUnavailable) as refused:
        storage.save(b"\x01" * 200_000, kind="identity")
    assert isinstance(refused.value, PortalError) and refused.value.message == STORAGE_FULL
    assert leftovers() == BEFORE_TMP and stored() == BEFORE_STORED
    logged = [r for r in caplog.records if r.name == "portal.storage"]
    assert logged and errno.errorcode[code] in logged[0].getMessage()


def test_a_read_only_folder_at_rename_leaves_nothing(monkeypatch):
    def replace(src, dst):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(storage.os, "replace", replace)
    with pytest.raises(StorageUnavailable):
        storage.save(b"photo", kind="certificate")
    assert leftovers() == BEFORE_TMP and stored() == BEFORE_STORED


def test_other_os_errors_still_surface_as_bugs_without_a_partial_file(monkeypatch):
    fail_after(monkeypatch, errno.EIO)
    with pytest.raises(OSError) as failed:
        storage.save(b"\x01" * 200_000, kind="identity")
    assert not isinstance(failed.value, PortalError)
    assert leftovers() == BEFORE_TMP


def test_the_upload_page_says_storage_is_full_and_changes_nothing(engine, monkeypatch):
    tmp_before, stored_before = leftovers(), stored()  # the engine fixture may give this test its own data folder
    with session_scope(engine) as session:
        username = factories.user(session, "candidate").username
    app = new_app("pages/candidate/identity.py")
    app.run()
    login(app, username, factories.PASSWORD)
    inputs = {w.label: w for w in app.text_input}
    inputs["真实姓名"].input(GENUINE["name"])
    inputs["证件编号"].input(GENUINE["id_number"])
    next(b for b in app.button if b.label == "下一步").click()
    app.run()
    assert_no_exception(app)
    app.file_uploader[0].upload("card.jpg", image(GENUINE), "image/jpeg")
    app.run()
    with session_scope(engine) as session:
        before = [(r.status, r.method, r.front_image_key) for r in session.scalars(select(IdentityVerification))]

    fail_after(monkeypatch, errno.ENOSPC)
    next(b for b in app.button if b.label == "上传并转人工审核").click()
    app.run()
    assert_no_exception(app)
    assert STORAGE_FULL in errors(app), texts(app)
    assert BUSY not in texts(app)
    assert leftovers() == tmp_before and stored() == stored_before
    with session_scope(engine) as session:
        after = [(r.status, r.method, r.front_image_key) for r in session.scalars(select(IdentityVerification))]
    assert after == before


def _act_failing(code: int) -> None:
    """A page whose action hits a full disk outside portal.core.storage (an AppTest script)."""
    import errno  # noqa: F401 - the script runs on its own

    from pages.components.ui import act

    def work(_session):
        raise OSError(code, "simulated")

    act(work)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_a_full_disk_anywhere_in_an_action_is_shown_as_storage_full(engine, code):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_function(_act_failing, args=(code,), default_timeout=30)
    app.run()
    assert_no_exception(app)  # not a bug to re-raise (PORTAL_STRICT_ERRORS=1 in the tests)
    assert errors(app) == [STORAGE_FULL]


def test_an_unexpected_error_is_still_busy_and_a_bug_in_the_tests(engine):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_function(_act_failing, args=(errno.EIO,), default_timeout=30)
    app.run()
    assert app.exception  # re-raised under PORTAL_STRICT_ERRORS=1, as before
