"""Drive the real app with streamlit.testing.v1.AppTest."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "streamlit_app.py")


def new_app(page: str | None = None) -> AppTest:
    """The app, optionally deep-linked to `page` (a path like 'pages/candidate/identity.py')."""
    app = AppTest.from_file(APP, default_timeout=60)
    if page:
        app.run()  # the first run registers the pages; only then can a page be chosen
        app.switch_page(page)
    return app


def login(app: AppTest, username: str, password: str) -> AppTest:
    """Fill the login form and submit it."""
    if not app._tree:  # first run renders the form
        app.run()
    form_inputs = [w for w in app.text_input if w.label.startswith("账号") or w.label == "密码"]
    form_inputs[0].input(username)
    form_inputs[1].input(password)
    next(b for b in app.button if b.label == "登录").click()
    app.run()
    return app


def texts(app: AppTest) -> str:
    """All visible text of markdown, titles, captions, alerts."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success", "warning", "error"):
        parts += [getattr(element, "value", "") or "" for element in getattr(app, kind)]
    return "\n".join(str(p) for p in parts)


def errors(app: AppTest) -> list[str]:
    return [e.value for e in app.error]


def assert_no_exception(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]


ENGLISH_TIME_DIRECTIVES = ("%a", "%A", "%b", "%B")


def temporal_formats(app: AppTest) -> list[tuple[str, str | None]]:
    """(where, format) of every temporal axis and tooltip in every chart's vega-lite spec."""
    import json

    found: list[tuple[str, str | None]] = []

    def walk(node, where: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "temporal" and "field" in node:
                fmt = node.get("format") if where.endswith("tooltip") else (node.get("axis") or {}).get("format")
                found.append((f"{where}:{node['field']}", fmt))
            for key, value in node.items():
                walk(value, key)
        elif isinstance(node, list):
            for value in node:
                walk(value, where)

    for chart in app.get("vega_lite_chart") + app.get("arrow_vega_lite_chart"):
        walk(json.loads(chart.proto.spec), "chart")
    return found


def assert_chinese_time_axes(app: AppTest) -> None:
    """Every temporal axis/tooltip has an explicit numeric format (Vega's default speaks English)."""
    for where, fmt in temporal_formats(app):
        assert fmt, f"{where} has no format: Vega would write 'Fri 06' / 'Nov 22'"
        assert not any(d in fmt for d in ENGLISH_TIME_DIRECTIVES), (where, fmt)


def assert_multiselects_speak_chinese(app: AppTest) -> None:
    """No multiselect shows Streamlit's English "Choose options" placeholder or "Select all" option."""
    import re

    assert app.multiselect, "the page has a multiselect"
    for widget in app.multiselect:
        assert re.search(r"[\u4e00-\u9fff]", widget.proto.placeholder), (widget.label, widget.proto.placeholder)
        assert widget.proto.select_all == 0, (widget.label, "shows the English 'Select all'")


def open_tab(app: AppTest, key: str, label: str) -> AppTest:
    """Open the tab `label` of the keyed lazy `st.tabs` `key` (only the open tab runs), as a click on it does."""
    app.session_state[key] = label
    app.run()
    assert_no_exception(app)
    return app
