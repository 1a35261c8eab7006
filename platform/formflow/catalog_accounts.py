"""Service messages about users and accounts (identity, signing in, the account policy),
in English and Chinese; part of :data:`formflow.catalog.CATALOG`."""

ACCOUNT_MESSAGES: dict[str, dict[str, str]] = {
    # -- identity -----------------------------------------------------------------
    "bad_credentials": {
        "en": "Wrong user name or password.",
        "zh-CN": "用户名或密码错误。",
    },
    "user_exists": {"en": "User {name!r} already exists.", "zh-CN": "用户 {name!r} 已存在。"},
    "invalid_username": {
        "en": "User names are 1-64 letters, digits, '.', '_' or '-'.",
        "zh-CN": "用户名为 1-64 个字母、数字、“.”、“_”或“-”。",
    },
    "weak_password": {
        "en": "Use a password of at least {min} characters.",
        "zh-CN": "密码至少 {min} 个字符。",
    },
    "unknown_role": {"en": "Unknown role {name!r}.", "zh-CN": "未知角色 {name!r}。"},
    "department_exists": {
        "en": "Department {code!r} already exists.",
        "zh-CN": "部门 {code!r} 已存在。",
    },
    "department_cycle": {
        "en": "A department cannot be placed under itself.",
        "zh-CN": "部门不能设为自身的下级。",
    },
    "manager_cycle": {
        "en": "A user cannot manage themselves, directly or through others.",
        "zh-CN": "用户不能（直接或间接）成为自己的上级。",
    },
    "token_invalid": {
        "en": "The API token is invalid or revoked.",
        "zh-CN": "API 令牌无效或已撤销。",
    },
    "login_required": {"en": "Please sign in.", "zh-CN": "请先登录。"},
    "csrf_failed": {
        "en": "The form has expired or its security token is missing; reload and try again.",
        "zh-CN": "表单已过期或缺少安全令牌，请刷新后重试。",
    },
    "too_many_attempts": {
        "en": "Too many attempts; try again in {wait}.",
        "zh-CN": "尝试次数过多，请{wait}后重试。",
    },
    "span_seconds": {"en": "{n} seconds", "zh-CN": "{n} 秒"},
    "span_minute": {"en": "about a minute", "zh-CN": "约 1 分钟"},
    "span_minutes": {"en": "about {n} minutes", "zh-CN": "约 {n} 分钟"},
    "span_hour": {"en": "about an hour", "zh-CN": "约 1 小时"},
    "span_hours": {"en": "about {n} hours", "zh-CN": "约 {n} 小时"},
    # -- auth (more) --
    "invalid_department_code": {
        "en": "Department codes are 1-64 letters, digits, '.', '_' or '-'.",
        "zh-CN": "部门代码为 1-64 个字母、数字、“.”、“_”或“-”。",
    },
    "own_account_inactive": {
        "en": "You cannot deactivate your own account.",
        "zh-CN": "不能停用自己的账号。",
    },
    "own_admin_role": {
        "en": "You cannot take the admin role from yourself.",
        "zh-CN": "不能移除自己的管理员角色。",
    },
    "passwords_differ": {
        "en": "The two passwords differ.",
        "zh-CN": "两次输入的密码不一致。",
    },
    # -- account policy -----------------------------------------------------------
    "common_password": {
        "en": "This password is one of the most common ones and easy to guess; choose"
              " another.",
        "zh-CN": "这是最常见的密码之一，很容易被猜中，请换一个。",
    },
    "password_like_username": {
        "en": "The password must not be made from the user name.",
        "zh-CN": "密码不能由用户名构成。",
    },
    "token_days_limit": {
        "en": "A token is valid for 1 to {max} days.",
        "zh-CN": "令牌有效期为 1 到 {max} 天。",
    },
    "token_days_range": {
        "en": "Enter the days the token is valid, from 0 (never expires) to {max}.",
        "zh-CN": "请输入令牌有效天数：0（永不过期）到 {max}。",
    },
    # -- single sign-on ------------------------------------------------------------------
    "sso_failed": {
        "en": "Signing in with your company account did not work; try again.",
        "zh-CN": "使用企业账号登录未成功，请重试。",
    },
    "sso_unknown": {
        "en": "Your company account has no Formflow user; ask an administrator to add you.",
        "zh-CN": "您的企业账号在 Formflow 中没有对应用户，请联系管理员添加。",
    },
    "sso_inactive": {
        "en": "Your user is deactivated; ask an administrator.",
        "zh-CN": "您的用户已停用，请联系管理员。",
    },
    "sso_no_name": {
        "en": "Your company account sent no user name or e-mail address.",
        "zh-CN": "企业账号未提供用户名或电子邮箱。",
    },
    "passwords_off": {
        "en": "Sign in with your company account; passwords are turned off here.",
        "zh-CN": "请使用企业账号登录；本系统已关闭密码登录。",
    },
}
