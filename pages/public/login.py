from pages.components import auth

auth.login_page()
