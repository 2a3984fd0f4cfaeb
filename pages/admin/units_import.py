import streamlit as st

from pages.components.auth import current_actor
from pages.components.ui import act, plain, table, upload_limits
from portal.core.errors import ImportFileError
from portal.unit import importer

actor = current_actor()
st.title("单位导入")
st.caption(
    "上传 CSV 或 XLSX 文件，表头为：单位名称、机构编码、主管单位、机构类别、所属地区（6 位行政区划代码）。"
    "按机构编码新增或更新单位；有问题的行不导入，其余行照常导入。"
)
st.download_button(
    "下载导入模板（XLSX）",
    importer.template_xlsx,  # built when pressed
    file_name="units_template.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
upload = st.file_uploader("选择文件", type=["csv", "xlsx"], max_upload_size=50)
upload_limits(["csv", "xlsx"], 50)

if upload is not None and st.button("开始导入", type="primary", icon=":material/upload:"):
    bar = st.progress(0.0, text="准备导入")
    st.session_state.pop("units_import_result", None)
    try:
        outcome = act(
            lambda db_session: importer.import_units(
                db_session,
                actor=actor,
                data=upload.getvalue(),
                filename=upload.name,
                on_progress=lambda fraction, text: bar.progress(fraction, text=text),
            )
        )
    except ImportFileError as error:  # the whole file was refused before any row was read
        st.error(error.message)
    else:
        if outcome:
            st.session_state["units_import_result"] = (upload.name, outcome.value)

kept = st.session_state.get("units_import_result")
if kept:
    name, result = kept
    st.subheader(f"导入结果：{plain(name)}")
    col1, col2, col3 = st.columns(3)
    col1.metric("新增", result.imported)
    col2.metric("更新", result.updated)
    col3.metric("拒绝", result.rejected_rows)
    if result.rejects:
        st.warning(f"{result.rejected_rows} 行未导入，原因如下（行号为表格中的行号，表头为第 1 行）：")
        st.download_button(
            "下载拒绝报告（CSV）",
            importer.rejects_csv(result),
            file_name="units_rejects.csv",
            mime="text/csv",
            icon=":material/download:",
        )
        table(importer.rejects_frame(result), key="units_rejects", file_name="units_rejects.csv")
    else:
        st.success("全部行已导入。")
