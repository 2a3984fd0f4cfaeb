from pages.components.ui import placeholder

placeholder("申报信息")
