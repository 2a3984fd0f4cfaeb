from pages.components.ui import placeholder

placeholder("考生管理")
