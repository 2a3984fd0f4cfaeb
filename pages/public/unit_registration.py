from pages.components.ui import placeholder

placeholder("机构注册")
