from pages.components.ui import placeholder

placeholder("我的地址")
