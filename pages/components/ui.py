"""Page helpers: run a service and show its refusal in Chinese, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import streamlit as st

from portal.core.errors import PortalError, ValidationFailed
from portal.core.export import to_csv_bytes, to_xlsx_bytes

log = logging.getLogger("portal.pages")


class Failed(Exception):
    """Raised by `guarded` blocks after the error has been shown."""


@contextmanager
def guarded(success: str | None = None) -> Iterator[None]:
    """Run a user action: show a Chinese message for refusals and a generic one for bugs.

    Use as `with guarded("已保存"):`; the block's database work is rolled back on any error.
    """
    try:
        yield
    except ValidationFailed as error:
        for message in error.errors.values():
            st.error(message)
        return
    except PortalError as error:
        st.error(error.message)
        return
    except Exception as error:  # noqa: BLE001 - a page must never show a traceback
        log.error("unexpected %s on a page", type(error).__name__, exc_info=False)
        st.error("系统繁忙，操作未完成，请稍后再试。如多次出现，请联系管理员。")
        return
    if success:
        st.success(success)


def placeholder(feature: str) -> None:
    """An honest page for a feature that is not built yet."""
    st.title(feature)
    st.info(f"「{feature}」功能正在建设中，暂未开放。")


def table(frame: pd.DataFrame, *, key: str, file_name: str, height: int | None = None) -> None:
    """A sortable table (click a header) with a text filter and CSV/XLSX export."""
    query = st.text_input("筛选", key=f"{key}_filter", placeholder="输入关键字筛选")
    shown = frame
    if query.strip() and not frame.empty:
        mask = frame.astype(str).apply(lambda col: col.str.contains(query.strip(), regex=False)).any(axis=1)
        shown = frame[mask]
    st.dataframe(shown, hide_index=True, width="stretch", height=height or "auto")
    st.caption(f"共 {len(shown)} 条")
    col_csv, col_xlsx = st.columns(2)
    col_csv.download_button("导出 CSV", to_csv_bytes(shown), file_name=file_name, mime="text/csv", key=f"{key}_csv")
    col_xlsx.download_button(
        "导出 XLSX",
        to_xlsx_bytes({"导出": shown}),
        file_name=file_name.rsplit(".", 1)[0] + ".xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
    )
