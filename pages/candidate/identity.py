from pages.components.ui import placeholder

placeholder("实名认证")
