"""The `st.Page` objects of the menu, built once per browser session for each menu it shows.

Building a page resolves its file on disk; the menu is the same from one rerun to the next, so each session keeps
the pages of the menu it shows (public, or a role's with its unread count) and builds them again only when that
changes. Pages are never shared between sessions: `st.navigation` marks the chosen page on the object itself.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages import registry
from pages.registry import PageSpec

KEY = "_menu_pages"
ROOT = Path(__file__).resolve().parents[2]


def _page(spec: PageSpec, *, title: str | None = None, default: bool = False) -> st.Page:
    return st.Page(spec.path, title=title or spec.title, icon=spec.icon, url_path=spec.url_path, default=default)


def _kept(key: tuple, build):
    kept = st.session_state.get(KEY)
    if kept is None or kept[0] != key:
        built = build()
        kept = (key, built, _by_path(built))
        st.session_state[KEY] = kept
    return kept[1]


def _by_path(built) -> dict[str, st.Page]:
    """The pages built, by their file relative to the repository (as pages name them: "pages/…/x.py")."""
    groups = built.values() if isinstance(built, dict) else built
    found = {}
    for group in groups:
        for page in group:
            path = getattr(page, "_page", None)
            if isinstance(path, Path) and path.is_relative_to(ROOT):
                found[path.relative_to(ROOT).as_posix()] = page
    return found


def public_pages() -> tuple[list[st.Page], list[st.Page]]:
    """The public pages (the first is the default) and every protected page, hidden.

    Protected pages stay registered so that a deep link keeps its URL and, once logged in, lands on the page
    that was asked for.
    """

    def build():
        public = [_page(spec, default=index == 0) for index, spec in enumerate(registry.PUBLIC)]
        return public, [_page(spec) for spec in registry.all_pages()]

    return _kept(("public",), build)


def role_pages(role: str, unread: int) -> dict[str, list[st.Page]]:
    """The menu of `role` by section; its first page is the home page; 消息 shows the unread count."""

    def build():
        home_section = next(iter(registry.NAVIGATION[role]))
        sections = {}
        for section, specs in registry.NAVIGATION[role].items():
            sections[section] = [
                _page(
                    spec,
                    title=f"{spec.title}（{unread}）" if spec == registry.MESSAGES and unread else None,
                    default=section == home_section and index == 0,
                )
                for index, spec in enumerate(specs)
            ]
        return sections

    return _kept((role, unread), build)


def page_link(path: str, *, label: str, icon: str | None = None) -> None:
    """`st.page_link` to the page in file `path` (under pages/), through this session's menu page when it has one.

    Streamlit resolves a file path on disk on every call; the menu's page object it already knows.
    """
    kept = st.session_state.get(KEY)
    st.page_link((kept[2].get(path) if kept else None) or path, label=label, icon=icon)
