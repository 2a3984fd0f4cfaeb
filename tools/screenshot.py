"""Take screenshots of portal pages in Debian's Chromium (desktop and phone sizes).

Usage: python -m tools.screenshot URL OUT_PREFIX [--login USER PASSWORD] [--wait-text TEXT]
"""

from __future__ import annotations

import argparse

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("out")
    parser.add_argument("--login", nargs=2)
    parser.add_argument("--wait-text", default=None)
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, (width, height) in SIZES.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(args.url)
            if args.login:
                page.get_by_label("账号（考生为注册手机号）").fill(args.login[0])
                page.get_by_label("密码", exact=True).fill(args.login[1])
                page.get_by_role("button", name="登录").click()
            if args.wait_text:
                page.get_by_text(args.wait_text).first.wait_for(timeout=20000)
            page.wait_for_timeout(2500)
            page.screenshot(path=f"{args.out}_{name}.png", full_page=True)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
