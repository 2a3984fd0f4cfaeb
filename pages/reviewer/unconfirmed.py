from pages.components.ui import placeholder

placeholder("未确认记录")
