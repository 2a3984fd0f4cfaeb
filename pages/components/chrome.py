"""What every page of the portal carries besides its content: the style fixes and the phone menu's script.

Kept apart from the entry point so that the bare app of `bench load` (tools/load/bare_app.py) sends exactly the
same elements as the portal when it measures what Streamlit itself costs for the same page.
"""

from __future__ import annotations

# Streamlit writes "Press Enter to submit form" (English) under a focused field, over the typed value on a
# phone: keep only its character count. On phones, less empty space above the page title.
PAGE_STYLE = (
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
