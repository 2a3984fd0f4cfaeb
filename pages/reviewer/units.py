from pages.components.ui import placeholder

placeholder("单位绑定情况")
