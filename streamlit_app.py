"""Entry point: log the user in, then show only the pages of their role."""

from __future__ import annotations

import streamlit as st

from pages.components import auth, heap, navigation
from pages.components.ui import busy_database_says_so, plain
from portal.core.actor import ROLE_LABELS

st.set_page_config(page_title="医师资格考试考生预报名", page_icon=":material/medical_services:", layout="wide")
heap.freeze_long_lived_objects()  # once per process: keeps the rerun's forced garbage collection cheap
# Streamlit writes "Press Enter to submit form" (English) under a focused field, over the typed value on a
# phone: keep only its character count. On phones, less empty space above the page title.
st.html(
    "<style>"
    "[data-testid='InputInstructions'] > span:first-child { display: none; }"
    "[data-testid='InputInstructions'] > span::before { display: none; }"
    "@media (max-width: 640px) { [data-testid='stMainBlockContainer'] { padding-top: 4rem; } }"
    # The file uploader's English "Upload" button, in Chinese.
    "[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p { font-size: 0; }"
    "[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p::after"
    " { content: '选择文件'; font-size: 0.875rem; }"
    # Its English limits ("10MB per file • JPG, PNG"): pages say them in Chinese (ui.upload_limits).
    "[data-testid='stFileUploaderDropzoneInstructions'] { display: none; }"
    "</style>"
)

# On a narrow screen (Streamlit's 768 px breakpoint) the menu lies over ~75% of the page; Streamlit closes it after
# a choice only when the user agent says "mobile". Close it after any choice at that width (once per tab; our own
# constant script, no user data in it).
CLOSE_MENU_ON_NARROW_SCREENS = """<script>
(() => {
  if (window.portalClosesMenu) return;
  window.portalClosesMenu = true;
  document.addEventListener("click", (event) => {
    if (window.innerWidth > 768 || !event.target.closest("[data-testid='stSidebarNavLink']")) return;
    setTimeout(() => {
      const menu = document.querySelector("[data-testid='stSidebar']");
      if (menu && menu.getAttribute("data-collapsed") === "false") {
        document.querySelector("[data-testid='stSidebarCollapseButton'] button")?.click();
      }
    }, 50);
  }, true);
})();
</script>"""

# 1. Decide the navigation first (nothing rendered yet), so that the page in the URL is honoured.
actor, unread = auth.who_acts()  # and the menu's unread count, in one read-only unit of work
st.session_state["_unread_messages"] = unread
if actor is None:
    public, protected = navigation.public_pages()
    page = st.navigation(public + protected, position="hidden")
else:
    page = st.navigation(navigation.role_pages(actor.role, unread))

# 2. The re-login cookie: written or cleared only in the run that must (its component reruns the script).
restored = auth.restore(peeked=actor)
if (restored and restored.username) != (actor and actor.username):
    st.rerun()  # logged in, out, expired or disabled since the navigation was built

# 3. The page (a database that cannot answer in time makes it say 系统繁忙, never an error box).
if restored is None:
    with busy_database_says_so():
        if any(page is public_page for public_page in public):
            page.run()
        else:
            auth.login_page()
    st.stop()

with st.sidebar:  # the restored actor: the one this run is authorised as (never None here)
    st.markdown(f"**{plain(restored.display_name or restored.username)}**  \n{ROLE_LABELS[restored.role]}")
    auth.logout_button()
    st.html(CLOSE_MENU_ON_NARROW_SCREENS, unsafe_allow_javascript=True)
with busy_database_says_so():
    page.run()
