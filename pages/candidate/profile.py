from pages.components.ui import placeholder

placeholder("个人信息")
