from pages.components.ui import placeholder

placeholder("授权访问消息")
