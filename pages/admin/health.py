from pages.components.ui import placeholder

placeholder("系统状态")
