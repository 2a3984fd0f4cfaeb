from pages.components.ui import placeholder

placeholder("工作单位")
