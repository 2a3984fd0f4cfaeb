"""The role-to-pages map: the one place that says who sees which page."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    url_path: str


def _p(path: str, title: str, icon: str) -> PageSpec:
    return PageSpec(path, title, icon, path.removeprefix("pages/").removesuffix(".py").replace("/", "_"))


MESSAGES = _p("pages/common/messages.py", "消息", ":material/mail:")
ACCOUNT = _p("pages/common/account.py", "修改密码", ":material/key:")

PUBLIC = [
    PageSpec("pages/public/login.py", "登录", ":material/login:", "login"),
    _p("pages/public/register.py", "考生注册", ":material/person_add:"),
    _p("pages/public/unit_registration.py", "机构注册", ":material/domain_add:"),
]

# role -> section title -> pages; the first page of a role is its home page.
NAVIGATION: dict[str, dict[str, list[PageSpec]]] = {
    "candidate": {
        "首页": [_p("pages/candidate/home.py", "首页", ":material/home:")],
        "个人中心": [
            _p("pages/candidate/identity.py", "实名认证", ":material/badge:"),
            _p("pages/candidate/profile.py", "个人信息", ":material/person:"),
            _p("pages/candidate/addresses.py", "我的地址", ":material/home_pin:"),
            _p("pages/candidate/unit.py", "工作单位", ":material/apartment:"),
            _p("pages/candidate/access_log.py", "授权访问消息", ":material/visibility:"),
            MESSAGES,
        ],
        "业务办理": [_p("pages/candidate/declaration.py", "医师资格考试信息确认", ":material/fact_check:")],
    },
    "unit_admin": {
        "单位": [
            _p("pages/unit/home.py", "单位首页", ":material/home:"),
            _p("pages/unit/candidates.py", "考生管理", ":material/groups:"),
            _p("pages/unit/declarations.py", "申报信息", ":material/edit_document:"),
            _p("pages/unit/profile.py", "单位信息", ":material/apartment:"),
        ],
        "账号": [MESSAGES, ACCOUNT],
    },
    "reviewer": {
        "审核": [
            _p("pages/reviewer/verifications.py", "待审核实名认证", ":material/how_to_reg:"),
            _p("pages/reviewer/appeals.py", "证件号已被占用申诉", ":material/gavel:"),
            _p("pages/reviewer/units.py", "单位绑定情况", ":material/link:"),
            _p("pages/reviewer/unconfirmed.py", "未确认记录", ":material/pending_actions:"),
        ],
        "账号": [MESSAGES, ACCOUNT],
    },
    "analyst": {
        "统计": [_p("pages/analyst/statistics.py", "统计分析", ":material/bar_chart:")],
        "账号": [MESSAGES, ACCOUNT],
    },
    "admin": {
        "管理": [
            _p("pages/admin/accounts.py", "账号管理", ":material/manage_accounts:"),
            _p("pages/admin/audit.py", "审计日志", ":material/history:"),
            _p("pages/admin/units_import.py", "单位导入", ":material/upload_file:"),
            _p("pages/admin/exam_years.py", "考试年度", ":material/event:"),
            _p("pages/admin/health.py", "系统状态", ":material/monitor_heart:"),
        ],
        "账号": [MESSAGES, ACCOUNT],
    },
}


def pages_for(role: str) -> list[PageSpec]:
    """Every page `role` may open, in menu order."""
    return [spec for section in NAVIGATION.get(role, {}).values() for spec in section]


def all_pages() -> list[PageSpec]:
    """Every page of every role, once each."""
    seen: dict[str, PageSpec] = {}
    for role in NAVIGATION:
        for spec in pages_for(role):
            seen.setdefault(spec.path, spec)
    return list(seen.values())
