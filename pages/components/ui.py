"""Page helpers: run a service and show its refusal in Chinese, never a traceback."""

from __future__ import annotations

import errno
import logging
import os
import re
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

import streamlit as st
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from db.engine import read_scope, session_scope, shared_engine
from pages.components import grid
from pages.components.db import engine
from portal.core.errors import STORAGE_ERRNOS, PortalError, StorageUnavailable, ValidationFailed
from portal.core.export import to_csv_bytes, to_xlsx_bytes
from portal.core.paging import PAGE_SIZES

log = logging.getLogger("portal.pages")
T = TypeVar("T")
BUSY = "系统繁忙，操作未完成，请稍后再试。如多次出现，请联系管理员。"


# Markdown (CommonMark + GFM, math, directives) that Streamlit renders in st.markdown/st.write/st.caption, alerts,
# titles and headers, toasts, widget/expander/tab labels and radio options. Escaped everywhere: the backslash, code
# spans, emphasis and strikethrough, links and images ([ ] !), raw HTML and autolinks (< >), character references (&),
# directives and colours (:red[…], :material/…:), math ($), tables (|), footnotes (^), directive attributes ({ }).
_INLINE = re.compile(r"([\\`*_~\[\]!<>&:$|^{}])")
# At the start of a line only: headings, block quotes, lists, setext underlines, thematic breaks ("1." or "1)" too).
_LINE_START = re.compile(r"^([#>+\-=]|\d+[.)])")
# Some syntax is found in the text after the escapes are read, or in the raw source: GFM links http://…, www.… and
# name@host.…, Streamlit turns :material/…: into an icon and :name: into an emoji. An invisible word joiner after
# the ':' (also the one of http:), the 'www' and the '@' breaks each pattern without changing what a reader sees.
_AUTOLINK = re.compile(r":(?=[\w+\-/])|(?i:www)(?=\.)|@")
_WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    """User text (names, reasons, notes, addresses, messages…) for any call that renders markdown.

    Every markdown- or HTML-significant character is backslash-escaped, so `![x](http://…)`, `[点此](http://…)`,
    `<img src=x>`, `:red[…]` and `$x$` show as the characters typed and never become an image, a link, HTML,
    colour or a formula. Line breaks stay line breaks; leading spaces are dropped (they would make a code block).
    """
    if text is None:
        return ""
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    escaped = []
    for line in lines:
        line = _AUTOLINK.sub(lambda m: m.group(0) + _WORD_JOINER, line.lstrip(" \t"))
        line = _INLINE.sub(r"\\\1", line)
        escaped.append(_LINE_START.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], line))
    return "  \n".join(escaped)


def strict_errors() -> bool:
    """PORTAL_STRICT_ERRORS=1 (set by the tests): an unexpected exception in a page is re-raised, not hidden."""
    return os.environ.get("PORTAL_STRICT_ERRORS", "") not in ("", "0")


def log_unexpected(error: BaseException) -> None:
    """The traceback for the operator: frames and the exception's type only (its message may hold personal data)."""
    frames = "".join(traceback.format_list(traceback.extract_tb(error.__traceback__)))
    log.error("unexpected %s on a page\n%s", type(error).__name__, frames)


def storage_full(error: BaseException) -> bool:
    """True for a write the disk refused outside portal.core.storage: an OSError (full, quota, read-only, no
    permission), SQLite's "database or disk is full" or PostgreSQL's disk_full (SQLSTATE 53100)."""
    if isinstance(error, OSError):
        return error.errno in STORAGE_ERRNOS
    cause = getattr(error, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's error
    return "database or disk is full" in str(cause) or getattr(cause, "sqlstate", None) == "53100"


def _storage_cause(error: BaseException) -> str:
    if isinstance(error, OSError) and error.errno is not None:
        return f"{errno.errorcode.get(error.errno, error.errno)} ({os.strerror(error.errno)})"
    return type(getattr(error, "orig", error)).__name__  # never the message: it may quote the statement's values


def show_refusal(error: PortalError) -> None:
    """A service's refusal, in its own Chinese words (one line per field for a rejected form)."""
    if isinstance(error, ValidationFailed):
        for message in error.errors.values():
            st.error(message)
    else:
        st.error(error.message)


@dataclass
class Outcome(Generic[T]):
    """What a user action came to: truthy when it succeeded, with the service's return value."""

    ok: bool
    value: T | None = None
    error: PortalError | None = None

    def __bool__(self) -> bool:
        return self.ok


def act(
    work: Callable[[Session], T], *, success: str | None = None, show_error: bool = True, read_only: bool = False
) -> Outcome[T]:
    """One user action as one unit of work: run `work(session)`, commit, and say how it went.

    A refusal (`PortalError`) rolls the unit of work back — rows marked keep-on-rollback stay, and an error
    whose `keeps_changes` is true (a wrong 单位确认码 still counts the attempt) is committed first — and is shown
    in Chinese unless `show_error` is false (the page shows it its own way from `Outcome.error`). Anything else
    is a bug: logged for the operator, shown as 系统繁忙, and re-raised under PORTAL_STRICT_ERRORS=1.
    `read_only` runs it in a unit of work that only reads (no write lock on SQLite; a write in it raises).
    """
    try:
        with read_scope(shared_engine() or engine()) if read_only else session_scope(engine()) as db_session:
            try:
                value = work(db_session)
            except PortalError as error:
                if not getattr(error, "keeps_changes", False):
                    raise
                db_session.commit()
                raise
    except PortalError as error:
        if show_error:
            show_refusal(error)
        return Outcome(False, error=error)
    except Exception as error:  # noqa: BLE001 - a page must never show a traceback
        if storage_full(error):  # not a bug: the operator must free space or fix the data folder
            log.error("storage full or read-only during a page action: %s", _storage_cause(error))
            st.error(StorageUnavailable().message)
            return Outcome(False, error=StorageUnavailable())
        log_unexpected(error)
        if strict_errors():
            raise
        st.error(BUSY)
        return Outcome(False)
    if success:
        st.success(success)
    return Outcome(True, value)


def keep_choices(keys: tuple[str, ...] | list[str], *, shown: bool) -> None:
    """What the user chose in a lazy tab (its filters, the record opened) stays while another tab is open.

    Streamlit forgets the state of every widget a run does not draw, and the browser forgets the value a tab's
    widgets showed. In runs that do not draw them (`shown` false) the values are copied aside; in the first run
    that draws them again, before they are drawn, they are given back through the Session State API, which the
    browser is told of.
    """
    state = st.session_state
    for key in keys:
        kept = f"_kept_{key}"
        if not shown:
            if key in state:
                state[kept] = state[key]
            continue
        if key not in state and kept in state:
            state[key] = state[kept]
        state.pop(kept, None)


def lazy_expander(label: str, *, key: str, expanded: bool = False, icon: str | None = None):
    """An expander whose contents are built only while it is open: the container when open, else None.

    A click on its header reruns the page (`on_change="rerun"`), so a closed one costs one element per run; what
    sits inside (a form, a table, its exports) is not built at all. Use: `if box := lazy_expander(…): with box: …`.
    """
    box = st.expander(label, expanded=expanded, key=key, icon=icon, on_change="rerun")
    return box if box.open else None


def load(work: Callable[[Session], T], *, read_only: bool = False) -> T:
    """What a page shows, read in one unit of work; on a refusal the message is shown and the page stops."""
    outcome = act(work, read_only=read_only)
    if not outcome:
        st.stop()
    return outcome.value


@contextmanager
def busy_database_says_so() -> Iterator[None]:
    """Around a whole page: a look-up the database cannot answer in time (every connection of the pool busy at
    a peak, a lock held too long, a restart) ends the page with 系统繁忙 instead of Streamlit's error box.

    Actions go through `act`, which says so itself; this covers a page's own `reading()` blocks.
    """
    try:
        yield
    except (PoolTimeout, OperationalError) as error:
        if storage_full(error):
            log.error("storage full or read-only during a page run: %s", _storage_cause(error))
            st.error(StorageUnavailable().message)
            return
        log_unexpected(error)
        if strict_errors() and not _overloaded(error):  # "no such table" is an OperationalError too: a bug
            raise
        st.error(BUSY)


def _overloaded(error: BaseException) -> bool:
    """No free connection in time, or SQLite's write lock held longer than its busy timeout."""
    return isinstance(error, PoolTimeout) or "database is locked" in str(getattr(error, "orig", ""))


def upload_limits(types: list[str], max_mb: int) -> None:
    """The uploader's limits in Chinese, under it (streamlit_app.py hides Streamlit's English "10MB per file • …")."""
    kinds = "、".join(dict.fromkeys("JPG" if t.lower() == "jpeg" else t.upper() for t in types))
    st.caption(f"单个文件不超过 {max_mb}MB，支持 {kinds} 格式。")


def table(frame: grid.Frame, *, key: str, file_name: str, height: int | None = None) -> None:
    """A sortable table (click a header) with a text filter and CSV/XLSX export."""
    query = st.text_input("筛选", key=f"{key}_filter", placeholder="输入关键字筛选")
    shown = frame
    if query.strip() and grid.size(frame):
        shown = grid.matching(frame, query.strip())
    st.dataframe(shown, hide_index=True, width="stretch", height=height or "auto", placeholder="")
    st.caption(f"共 {grid.size(shown)} 条")
    export_buttons(shown, name=file_name.rsplit(".", 1)[0], key=key)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_buttons(
    frame: grid.Frame,
    *,
    name: str,
    key: str,
    label: str = "导出",
    sheet: str | None = None,
    on_click: Callable[[], None] | None = None,
) -> None:
    """A 导出 menu holding 导出 CSV / 导出 XLSX of `frame` (formula-looking cells neutralised by portal.core.export).

    Lazy: the two download buttons are drawn only while the menu is open (a click on it reruns the page), so a
    table's exports cost one widget per run, not three elements; the files are built when a button is pressed
    (Streamlit's deferred download). `on_click` runs when either is pressed (an export that must be logged).
    """
    menu = st.popover(label, icon=":material/download:", key=f"{key}_export", on_change="rerun")
    if not menu.open:
        return
    pressed = {"on_click": on_click} if on_click is not None else {}
    with menu:
        st.download_button(
            f"{label} CSV",
            lambda: to_csv_bytes(grid.to_pandas(frame)),
            file_name=f"{name}.csv",
            mime="text/csv",
            key=f"{key}_csv",
            width="stretch",
            **pressed,
        )
        st.download_button(
            f"{label} XLSX",
            lambda: to_xlsx_bytes({(sheet or name)[:31] or "导出": grid.to_pandas(frame)}),
            file_name=f"{name}.xlsx",
            mime=XLSX,
            key=f"{key}_xlsx",
            width="stretch",
            **pressed,
        )


def chosen(key: str, default: T) -> T:
    """The value the widget `key` holds, drawn this run or not (kept aside by `keep_choices` while hidden)."""
    state = st.session_state
    return state[key] if key in state else state.get(f"_kept_{key}", default)


def sort_and_size(
    prefix: str,
    sorts: dict[str, str],
    *,
    descending_label: str = "从大到小",
    descending_by_default: Callable[[str], bool] = lambda sort: True,
    menu: bool = True,
) -> tuple[str, bool, int]:
    """A paged list's sort, direction and page size (keys `{prefix}_sort`, `_desc`, `_size`).

    With `menu`, in a 排序与每页条数 menu, lazy like the 导出 menu: the three widgets are drawn only while it is
    open (a click on it reruns the page); while it is closed, what was chosen in it is kept and used. Without,
    drawn where the caller is (a lazy 筛选 expander that keeps them with its own filters).
    """
    keys = (f"{prefix}_sort", f"{prefix}_desc", f"{prefix}_size")
    if menu:
        box = st.popover("排序与每页条数", icon=":material/sort:", key=f"{prefix}_order", on_change="rerun")
        keep_choices(keys, shown=bool(box.open))
        if not box.open:
            return kept_sort(prefix, sorts, descending_by_default=descending_by_default)
    with box if menu else st.container(horizontal=True, vertical_alignment="bottom"):
        sort = st.selectbox("排序", list(sorts), format_func=sorts.get, key=keys[0])
        descending = st.toggle(descending_label, value=descending_by_default(sort), key=keys[1])
        size = st.selectbox("每页条数", PAGE_SIZES, index=1, key=keys[2])
    return sort, descending, size


def kept_sort(
    prefix: str, sorts: dict[str, str], *, descending_by_default: Callable[[str], bool] = lambda sort: True
) -> tuple[str, bool, int]:
    """The sort, direction and page size chosen last (`sort_and_size`), while its widgets are not drawn."""
    sort = chosen(f"{prefix}_sort", next(iter(sorts)))
    return sort, chosen(f"{prefix}_desc", descending_by_default(sort)), chosen(f"{prefix}_size", PAGE_SIZES[1])


def say_filters(parts: list[str], *, separator: str = " · ") -> None:
    """Under a closed 筛选 menu, the filters in force (筛选：…), so a shorter list is never a surprise; empty
    parts are filters not set. Typed text goes through `plain`."""
    if shown := [plain(part) for part in parts if part]:
        st.caption("筛选：" + separator.join(shown))
