from pages.components.ui import placeholder

placeholder("考试年度")
