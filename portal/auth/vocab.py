"""Words of sign-in: the outcomes of an OpenID Connect sign-in (统一身份认证), with their Chinese labels."""

from __future__ import annotations

from enum import StrEnum


class SignInOutcome(StrEnum):
    SIGNED_IN = "signed_in"
    UNLINKED = "unlinked"
    DISABLED = "disabled"
    EXPIRED = "expired"


OUTCOME_LABELS = {
    SignInOutcome.SIGNED_IN: "已登录",
    SignInOutcome.UNLINKED: "首次登录，尚未关联账号",
    SignInOutcome.DISABLED: "账号已停用，请联系管理员。",
    SignInOutcome.EXPIRED: "登录已超时，请重新登录。",
}


# What the login form says after the RIGHT password of an account that may not log in, by `LoginResult` value
# (a wrong password, an unknown name and a locked account all get the one failure message instead).
LOGIN_REFUSAL_LABELS: dict[str, str] = {
    "disabled": "账号已停用，请联系管理员。",
    "pending": "注册申请审核中，请等待审核。审核进度可在「机构注册 → 查询注册进度」查看。",
    "rejected": "注册申请未通过。修改后可在「机构注册」用同一账号重新提交。",
}
REJECTION_REASON_LABEL = "未通过原因："
