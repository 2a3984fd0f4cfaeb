"""In the browser, `ui.plain` text is shown as typed: Streamlit's own markdown renderer (CommonMark, GFM with its
autolinks, math, directives) makes no image, link, HTML, colour or formula of it (issue 15, finding 8)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import urllib.request

from tests.e2e.conftest import ROOT, free_port, shoot, wait_idle

HOSTILE = [
    "![x](http://evil.example/a.png)",
    "[点此](http://evil.example)",
    "<img src=x onerror=alert(1)>",
    ":red[伪造] :material/warning: :smile: 联系 mail@evil.example 或 www.evil.example",
    "$x^2$ 与 $$y$$",
    "# 标题\n> 引用\n- 列表\n1. 编号\n---\n**粗体** _斜体_ ~~删除~~ `代码` | 表格 |",
]

SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    import streamlit as st
    from pages.components.ui import plain

    VALUES = {values!r}
    for index, value in enumerate(VALUES):
        with st.container(key=f"md_{{index}}"):
            st.markdown(plain(value))
        with st.container(key=f"alert_{{index}}"):
            st.error("原因：" + plain(value))
        with st.expander(plain(value), key=f"exp_{{index}}"):
            st.caption(plain(value))
    st.radio("选择单位", list(range(len(VALUES))), format_func=lambda i: plain(VALUES[i]), key="pick")
    """
)


def test_escaped_text_renders_literally(browser, tmp_path):
    app = tmp_path / "escape_app.py"
    app.write_text(SCRIPT.format(root=str(ROOT), values=HOSTILE), encoding="utf-8")
    port = free_port()
    env = {**os.environ, "PORTAL_DATA_DIR": str(tmp_path / "data")}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port), "--server.headless", "true"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        page = browser.new_page()
        page.goto(url)
        page.locator(".st-key-pick").wait_for(timeout=60000)
        wait_idle(page)
        shoot(page, "markdown_escape")
        main = page.locator("[data-testid='stMain']")
        # Nothing the values spell became an element.
        assert main.locator("img").count() == 0
        assert main.locator("a").count() == 0
        assert main.locator(".katex, math").count() == 0
        assert main.locator("h1, h2, h3, blockquote, ul, ol, hr, table, code, strong, em, del").count() == 0
        for index in range(len(HOSTILE)):  # no :material/…: icon made of the text
            assert page.locator(f".st-key-md_{index} [data-testid='stIconMaterial']").count() == 0
        assert page.evaluate("() => window.__xss === undefined")
        colored = page.evaluate(
            """() => [...document.querySelectorAll("[data-testid='stMain'] span")]
                .filter((el) => el.textContent.includes("伪造") && el.style.color).length"""
        )
        assert colored == 0
        # Each value reads as typed (line breaks kept), wherever it is shown.
        for index, value in enumerate(HOSTILE):
            for where in (f".st-key-md_{index}", f".st-key-alert_{index}"):
                shown = page.locator(where).inner_text().replace("\u2060", "")
                assert shown.replace("原因：", "", 1).strip() == value, (where, shown)
            label = page.locator(f".st-key-exp_{index} summary").inner_text().replace("\u2060", "")
            assert " ".join(value.split()) in " ".join(label.split()), label
        options = page.locator(".st-key-pick [data-testid='stRadioOption']").all_inner_texts()
        assert [" ".join(o.replace("\u2060", "").split()) for o in options] == [" ".join(v.split()) for v in HOSTILE]
        page.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
