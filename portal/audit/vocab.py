"""The audit log's words: Chinese labels for the action codes and object types services record."""

from __future__ import annotations

ACTION_LABELS: dict[str, str] = {
    "access.mark_read": "授权访问记录标为已读",
    "access.refused": "拒绝越权访问",
    "account.change_password": "修改密码",
    "account.create": "创建账号",
    "account.disable": "停用账号",
    "account.enable": "启用账号",
    "account.locked": "账号锁定（密码错误次数过多）",
    "account.register": "考生注册",
    "account.reset_password": "重置密码",
    "account.unlock": "解除账号锁定",
    "dashboard.refresh": "刷新统计数据",
    "dashboard.remind_candidates": "提醒考生确认",
    "dashboard.remind_units": "提醒单位处理",
    "declaration.confirm": "考生确认申报信息",
    "declaration.export": "导出申报信息",
    "declaration.import": "导入申报信息",
    "declaration.open_year": "开设考试年度",
    "declaration.request_correction": "考生申请修改申报信息",
    "declaration.save": "保存申报信息",
    "declaration.update_year": "修改考试年度",
    "declaration.upload_image": "上传申报材料图片",
    "demo.seed": "载入演示数据",
    "export.full_values": "导出完整信息",
    "export.masked": "导出脱敏信息",
    "identity.approve": "实名认证审核通过",
    "identity.claim": "领取实名认证审核",
    "identity.duplicate_flagged": "发现重复证件号码",
    "identity.fill_in": "填写实名认证信息",
    "identity.reject": "实名认证审核不通过",
    "identity.release": "释放实名认证审核",
    "identity.resolve_flag": "处理重复证件号码",
    "identity.scan": "识别身份证照片",
    "identity.submit_manual": "提交人工审核",
    "identity.switch_to_manual": "转人工审核",
    "identity.withdraw": "撤回实名认证",
    "login.failed": "登录失败（密码错误）",
    "login.success": "登录成功",
    "message.read": "阅读消息",
    "message.read_all": "全部消息标为已读",
    "profile.add_address": "添加地址",
    "profile.change_mobile": "更换手机号",
    "profile.delete_address": "删除地址",
    "profile.set_default_address": "设为默认地址",
    "profile.update_address": "修改地址",
    "profile.update_email": "修改邮箱",
    "retention.purge_images": "清理过期图片",
    "security.rotate_key": "更换加密密钥",
    "unit.activate": "恢复单位绑定",
    "unit.approve_registration": "机构注册审核通过",
    "unit.approve_rename": "单位名称变更通过",
    "unit.bind": "考生绑定单位",
    "unit.change_unit": "考生更换工作单位",
    "unit.code_failed": "单位确认码错误",
    "unit.code_lockout": "单位确认码错误次数过多（锁定）",
    "unit.end_binding": "单位解除考生绑定",
    "unit.import": "导入单位",
    "unit.register": "提交机构注册",
    "unit.reject_registration": "机构注册驳回",
    "unit.reject_rename": "单位名称变更驳回",
    "unit.request_rename": "申请单位名称变更",
    "unit.rotate_code": "更换单位确认码",
    "unit.suspend": "暂停单位绑定",
    "unit.unbind": "考生解除单位绑定",
    "unit.update": "修改单位信息",
}

OBJECT_LABELS: dict[str, str] = {
    "address": "地址",
    "database": "数据库",
    "declaration": "申报信息",
    "exam_year": "考试年度",
    "identity_flag": "重复证件标记",
    "identity_verification": "实名认证",
    "message": "消息",
    "unit": "单位",
    "unit_binding": "单位绑定",
    "unit_name_change": "单位名称变更",
    "unit_registration": "机构注册",
    "user": "账号",
}


def action_label(action: str) -> str:
    """The Chinese name of an action code (the code itself for one this table does not know yet)."""
    return ACTION_LABELS.get(action, action)


def object_label(object_type: str | None) -> str:
    return OBJECT_LABELS.get(object_type or "", object_type or "")
