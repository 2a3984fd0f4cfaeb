import streamlit as st

from pages.components.db import engine
from portal.core.settings import get_settings
from portal.ops.health import run_checks

st.title("系统状态")
st.caption("数据库、结构版本、OCR 模型与数据目录磁盘空间。")


def _load_ocr():
    from pages.components.ocr import ocr_engine

    return ocr_engine()


with st.spinner("正在检查…"):
    checks = run_checks(engine=engine(), data_dir=get_settings().data_dir, load_ocr=_load_ocr)
for check in checks:
    (st.success if check.ok else st.error)(f"{check.label}：{'正常' if check.ok else '异常'} — {check.message}")
if st.button("重新检查"):
    st.rerun()
