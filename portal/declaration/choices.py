"""Every choice list of the declaration forms, in one place (from the official confirmation page and its forms).

Pages, the XLSX template (data validation), the importer and the consistency rules all read these lists.
Values are stored as the Chinese text shown here.
"""

from __future__ import annotations

# 学历层级 (education_level)
EDUCATION_LEVELS = ("中专", "专科", "本科", "硕士研究生", "博士研究生")

# 学习形式 (study_form)
STUDY_FORMS = (
    "普通全日制",
    "非全日制研究生",
    "成人高等教育（函授）",
    "成人高等教育（业余）",
    "成人高等教育（脱产）",
    "高等教育自学考试",
    "网络教育",
    "开放教育",
    "其他",
)
# Forms studied while in work: a certificate obtained before this graduation is plausible.
IN_SERVICE_STUDY_FORMS = frozenset(STUDY_FORMS[2:8])

# 专业类型 (major_type)
MAJOR_TYPES = (
    "临床医学类",
    "中医学类",
    "中西医结合类",
    "口腔医学类",
    "公共卫生与预防医学类",
    "基础医学类",
    "护理学类",
    "药学类",
    "中药学类",
    "医学技术类",
    "法医学类",
    "非医学类",
)

# 学制 (schooling_years), in years
SCHOOLING_YEARS = (2, 3, 4, 5, 6, 7, 8)

# 专业技术职称
TITLE_SERIES = ("卫生系列（医疗）", "卫生系列（护理）", "卫生系列（药学）", "卫生系列（技术）", "其他系列")  # 资格系列
TITLE_LEVELS = ("员级", "助理级", "中级", "副高级", "正高级")  # 资格级别
OBTAINED_BY = ("考试", "评审", "考评结合", "认定")  # 取得方式
ROUTES = ("正常晋升", "破格晋升", "转评", "其他")  # 取得途径

# 医师资格证 / 医师执业证 / 报考
DOCTOR_LEVELS = ("执业医师", "执业助理医师")  # 资格级别 of a 医师资格证, 执业级别, 报考级别
CATEGORIES = ("临床", "中医", "口腔", "公共卫生")  # 资格类别, 执业类别, 报考类别

# 执业范围 (practice_scope), 《关于医师执业注册中执业范围的暂行规定》
PRACTICE_SCOPES = (
    "内科专业",
    "外科专业",
    "妇产科专业",
    "儿科专业",
    "眼耳鼻咽喉科专业",
    "皮肤病与性病专业",
    "精神卫生专业",
    "职业病专业",
    "医学影像和放射治疗专业",
    "医学检验、病理专业",
    "全科医学专业",
    "急救医学专业",
    "康复医学专业",
    "预防保健专业",
    "特种医学与军事医学专业",
    "计划生育技术服务专业",
    "口腔专业",
    "公共卫生类别专业",
    "中医专业",
    "中西医结合专业",
    "蒙医专业",
    "藏医专业",
    "维医专业",
    "傣医专业",
    "全科医学专业（中医）",
)
