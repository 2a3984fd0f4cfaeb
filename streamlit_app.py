"""Entry point: log the user in, then show only the pages of their role."""

from __future__ import annotations

import streamlit as st

from pages.components import auth, chrome, heap, navigation
from pages.components.db import one_read_unit_per_run
from pages.components.ui import busy_database_says_so, plain
from portal.core.actor import ROLE_LABELS

st.set_page_config(page_title="医师资格考试考生预报名", page_icon=":material/medical_services:", layout="wide")
heap.freeze_long_lived_objects()  # once per process: keeps the rerun's forced garbage collection cheap
st.html(chrome.PAGE_STYLE)

# One read-only unit of work for the run's look-ups (who acts, then the page's own); writes have their own.
with one_read_unit_per_run():
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
        st.html(chrome.CLOSE_MENU_ON_NARROW_SCREENS, unsafe_allow_javascript=True)
    with busy_database_says_so():
        page.run()
