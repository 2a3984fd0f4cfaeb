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
