from pages.components.ui import placeholder

placeholder("医师资格考试信息确认")
