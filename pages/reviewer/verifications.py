from pages.components.ui import placeholder

placeholder("待审核实名认证")
