from pages.components.ui import placeholder

placeholder("统计分析")
