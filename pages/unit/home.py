from pages.components.ui import placeholder

placeholder("单位首页")
