from datetime import timedelta

import streamlit as st

from pages.components.db import engine
from portal.core.settings import get_settings
from portal.core.timeutil import fmt, utcnow
from portal.ops.health import run_checks

st.title("系统状态")
st.caption("数据库、结构版本、OCR 模型与数据目录磁盘空间。")


def _load_ocr():
    from pages.components.ocr import ocr_engine

    return ocr_engine()


# The checks' results are kept for a minute: a rerun of the page (a click elsewhere, the browser's reconnect)
# shows them again instead of reading every stored number once more; 重新检查 runs them now.
FRESH_FOR = timedelta(minutes=1)
kept = st.session_state.get("health_checks")
again = st.button("重新检查")
if again or kept is None or utcnow() - kept[0] > FRESH_FOR:
    with st.spinner("正在检查…"):
        kept = (utcnow(), run_checks(engine=engine(), data_dir=get_settings().data_dir, load_ocr=_load_ocr))
    st.session_state["health_checks"] = kept
checked_at, checks = kept
for check in checks:
    (st.success if check.ok else st.error)(f"{check.label}：{'正常' if check.ok else '异常'} — {check.message}")
st.caption(f"检查时间 {fmt(checked_at, seconds=True)}。")
