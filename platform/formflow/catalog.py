"""The message catalog: every user-facing service message in English and Chinese.

Keys are stable identifiers; texts use ``str.format`` placeholders.
"""

from formflow.catalog_accounts import ACCOUNT_MESSAGES
from formflow.catalog_conditions import CONDITION_MESSAGES
from formflow.catalog_data import DATA_MESSAGES
from formflow.catalog_design import DESIGN_MESSAGES
from formflow.catalog_process import PROCESS_MESSAGES

CATALOG: dict[str, dict[str, str]] = {
    # -- field values -------------------------------------------------------------
    "required": {"en": "This field is required.", "zh-CN": "此项为必填项。"},
    "unknown_field": {"en": "Unknown field.", "zh-CN": "未知字段。"},
    "not_saved": {
        "en": "The record could not be saved; ask someone who may see all its fields.",
        "zh-CN": "记录无法保存，请联系可以查看全部字段的人员。",
    },
    "read_only": {"en": "This field is read-only.", "zh-CN": "此字段为只读。"},
    "not_writable": {
        "en": "You may not change this field.",
        "zh-CN": "您无权修改此字段。",
    },
    "invalid_text": {"en": "Enter text.", "zh-CN": "请输入文本。"},
    "invalid_integer": {"en": "Enter a whole number.", "zh-CN": "请输入整数。"},
    "invalid_number": {"en": "Enter a number.", "zh-CN": "请输入数字。"},
    "too_many_decimals": {
        "en": "Use at most {scale} digits after the decimal point.",
        "zh-CN": "小数点后最多 {scale} 位。",
    },
    "too_many_digits": {
        "en": "Use at most {digits} digits before the decimal point.",
        "zh-CN": "整数部分最多 {digits} 位。",
    },
    "invalid_boolean": {"en": "Enter true or false.", "zh-CN": "请输入是或否。"},
    "invalid_date": {
        "en": "Enter a valid date (YYYY-MM-DD).",
        "zh-CN": "请输入有效日期（YYYY-MM-DD）。",
    },
    "invalid_datetime": {
        "en": "Enter a valid date and time (ISO 8601).",
        "zh-CN": "请输入有效的日期时间（ISO 8601）。",
    },
    "invalid_time": {"en": "Enter a valid time (HH:MM).", "zh-CN": "请输入有效时间（HH:MM）。"},
    "invalid_choice": {
        "en": "{value!r} is not one of the choices.",
        "zh-CN": "{value!r} 不是可选值之一。",
    },
    "invalid_list": {"en": "Enter a list of values.", "zh-CN": "请输入值列表。"},
    "invalid_email": {"en": "Enter a valid e-mail address.", "zh-CN": "请输入有效的电子邮箱。"},
    "invalid_phone": {"en": "Enter a valid phone number.", "zh-CN": "请输入有效的电话号码。"},
    "invalid_url": {
        "en": "Enter a valid URL starting with http:// or https://.",
        "zh-CN": "请输入以 http:// 或 https:// 开头的有效网址。",
    },
    "invalid_rating": {
        "en": "Enter a rating from {min} to {max}.",
        "zh-CN": "请输入 {min} 到 {max} 的评分。",
    },
    "invalid_link": {"en": "Enter the id of a record.", "zh-CN": "请输入记录编号。"},
    "no_such_record": {
        "en": "No {entity} with id {id}, or you may not link it.",
        "zh-CN": "不存在编号为 {id} 的{entity}，或您无权关联该记录。",
    },
    "no_such_user": {"en": "No user named {value!r}.", "zh-CN": "不存在用户 {value!r}。"},
    "no_such_department": {
        "en": "No department with code {value!r}.",
        "zh-CN": "不存在代码为 {value!r} 的部门。",
    },
    "no_such_file": {
        "en": "No such file, or you may not attach it: upload it again.",
        "zh-CN": "文件不存在，或您无权附加该文件，请重新上传。",
    },
    "invalid_file": {
        "en": "Enter a file reference.",
        "zh-CN": "请提供文件引用。",
    },
    "invalid_rows": {"en": "Enter a list of rows.", "zh-CN": "请输入行列表。"},
    "invalid_row": {"en": "Each row must be an object.", "zh-CN": "每一行必须是对象。"},
    "too_few_rows": {
        "en": "{field} needs at least {min} row(s).",
        "zh-CN": "{field}至少需要 {min} 行。",
    },
    "too_many_rows": {
        "en": "{field} may have at most {max} rows.",
        "zh-CN": "{field}最多只能有 {max} 行。",
    },
    "min_value": {"en": "Must be at least {min}.", "zh-CN": "不能小于 {min}。"},
    "max_value": {"en": "Must be at most {max}.", "zh-CN": "不能大于 {max}。"},
    "min_length": {
        "en": "Enter at least {min} characters.",
        "zh-CN": "至少输入 {min} 个字符。",
    },
    "max_length": {
        "en": "Enter at most {max} characters.",
        "zh-CN": "最多输入 {max} 个字符。",
    },
    "pattern": {"en": "The format is not valid.", "zh-CN": "格式不正确。"},
    "unique": {
        "en": "Another record already has this value.",
        "zh-CN": "已有其他记录使用此值。",
    },
    "control_characters": {
        "en": "Remove control characters.",
        "zh-CN": "请删除控制字符。",
    },
    # -- records ------------------------------------------------------------------
    "not_found": {"en": "Not found.", "zh-CN": "未找到。"},
    "record_not_found": {
        "en": "{entity} {id} does not exist or you may not see it.",
        "zh-CN": "{entity} {id} 不存在或您无权查看。",
    },
    "forbidden": {
        "en": "You are not allowed to do this.",
        "zh-CN": "您无权执行此操作。",
    },
    "forbidden_action": {
        "en": "You may not {action} {entity} records.",
        "zh-CN": "您无权{action}{entity}记录。",
    },
    "stale_version": {
        "en": "Someone else changed this record (now version {current}); reload it and try again.",
        "zh-CN": "其他人已修改此记录（当前版本 {current}），请刷新后重试。",
    },
    "changed_meanwhile": {
        "en": "Someone else changed this record meanwhile; reload it and try again.",
        "zh-CN": "此记录刚被其他人修改，请刷新后重试。",
    },
    "record_locked": {
        "en": "The record is in a final state and can no longer be changed.",
        "zh-CN": "记录已处于终态，不能再修改。",
    },
    "verb_create": {"en": "create", "zh-CN": "新建"},
    "verb_read": {"en": "read", "zh-CN": "查看"},
    "verb_update": {"en": "change", "zh-CN": "修改"},
    "verb_delete": {"en": "delete", "zh-CN": "删除"},
    # -- import and export ----------------------------------------------------------
    "verb_export": {"en": "export", "zh-CN": "导出"},
    "verb_import": {"en": "import", "zh-CN": "导入"},
    "unknown_column": {
        "en": "Unknown column: not a field name or label.",
        "zh-CN": "未知列：既不是字段名也不是字段标签。",
    },
    "duplicate_column": {"en": "This column appears twice.", "zh-CN": "此列重复出现。"},
    "table_not_importable": {
        "en": "Line items cannot be imported from a spreadsheet; leave this column out.",
        "zh-CN": "明细表无法从表格文件导入，请删除此列。",
    },
    "not_a_key": {
        "en": "This field cannot identify records (use id, _number or a text, number or "
              "date field).",
        "zh-CN": "此字段不能用于匹配记录（请使用 id、_number 或文本、数字、日期字段）。",
    },
    "key_column_missing": {
        "en": "The file has no column for the key field.",
        "zh-CN": "文件中没有匹配字段对应的列。",
    },
    "key_repeated": {
        "en": "The same key value is already in row {row}.",
        "zh-CN": "相同的匹配值已出现在第 {row} 行。",
    },
    "key_matches_many": {
        "en": "This value matches {count} records; a key must match at most one.",
        "zh-CN": "此值匹配到 {count} 条记录，匹配字段最多只能对应一条记录。",
    },
    "no_such_link": {
        "en": "No {entity} with number, id or title {value!r}, or you may not link it.",
        "zh-CN": "不存在编号、ID 或标题为 {value!r} 的{entity}，或您无权关联该记录。",
    },
    "link_ambiguous": {
        "en": "Several records of {entity} have the title {value!r}; use the number or id.",
        "zh-CN": "有多条{entity}的标题为 {value!r}，请改用编号或 ID。",
    },
    "cell_without_header": {
        "en": "Column {column} has a value but no header.",
        "zh-CN": "第 {column} 列有值但没有表头。",
    },
    "import_empty": {
        "en": "The file is empty: the first row must name the fields.",
        "zh-CN": "文件为空：第一行须为字段名。",
    },
    "import_unreadable": {
        "en": "The file cannot be read as CSV or XLSX ({problem}).",
        "zh-CN": "无法按 CSV 或 XLSX 读取该文件（{problem}）。",
    },
    "import_too_many_rows": {
        "en": "The file has more than {max} rows; split it into smaller files.",
        "zh-CN": "文件超过 {max} 行，请拆分为较小的文件。",
    },
    "import_too_many_columns": {
        "en": "The file has more than {max} columns.",
        "zh-CN": "文件超过 {max} 列。",
    },
    "import_too_large": {
        "en": "The file is larger than {max}; split it into smaller files.",
        "zh-CN": "文件大于 {max}，请拆分为较小的文件。",
    },
    "import_failed": {
        "en": "{count} row(s) have problems; nothing was imported.",
        "zh-CN": "{count} 行有问题，未导入任何数据。",
    },
    "import_mode": {
        "en": "Choose the import mode: {modes}.",
        "zh-CN": "请选择导入方式：{modes}。",
    },
    "import_job_finished": {
        "en": "This import has already ended ({status}).",
        "zh-CN": "此导入已结束（{status}）。",
    },
    "import_job_not_resumable": {
        "en": "Only a chunked import that stopped at a failed chunk can be resumed.",
        "zh-CN": "只有在某一批失败而停止的分批导入才能继续。",
    },
    "import_job_crashed": {
        "en": "The import stopped on an unexpected error; the administrator can see it in the log.",
        "zh-CN": "导入因意外错误而停止，管理员可在日志中查看。",
    },
    "import_job_user_gone": {
        "en": "The user who started this import is no longer active.",
        "zh-CN": "发起此导入的用户已停用。",
    },
    "import_media_type": {
        "en": "Send the file as multipart form data (field 'file') or as a text/csv or XLSX body.",
        "zh-CN": "请以 multipart 表单（字段 file）或 text/csv、XLSX 请求体发送文件。",
    },
    "import_row": {"en": "row {row}", "zh-CN": "第 {row} 行"},
    "import_key": {"en": "key", "zh-CN": "匹配字段"},
    "unknown_format": {
        "en": "Unknown file format; use one of: {formats}.",
        "zh-CN": "未知的文件格式，请使用：{formats}。",
    },
    "export_too_large": {
        "en": "{count} records match; an export holds at most {max}. Narrow the filter.",
        "zh-CN": "共有 {count} 条记录符合条件，一次最多导出 {max} 条，请缩小筛选范围。",
    },
    "rule_failed": {"en": "{message}", "zh-CN": "{message}"},
    "plugin_message": {"en": "{message}", "zh-CN": "{message}"},
    "validation_failed": {
        "en": "Some values are not valid.",
        "zh-CN": "部分数据不正确。",
    },
    "not_deleted": {"en": "The record is not deleted.", "zh-CN": "记录未被删除。"},
    # -- processes and more: formflow.catalog_process ------------------------------
    **PROCESS_MESSAGES,
    # -- queries ------------------------------------------------------------------
    "unknown_filter": {
        "en": "Unknown filter field {name!r}.",
        "zh-CN": "未知的筛选字段 {name!r}。",
    },
    "unknown_operator": {
        "en": "Unknown filter operator {op!r}; use one of {ops}.",
        "zh-CN": "未知的筛选运算符 {op!r}，可用：{ops}。",
    },
    "operator_not_allowed": {
        "en": "Operator {op!r} does not apply to field {name!r}.",
        "zh-CN": "运算符 {op!r} 不适用于字段 {name!r}。",
    },
    "invalid_filter_value": {
        "en": "Filter {name!r}: {problem}",
        "zh-CN": "筛选条件 {name!r}：{problem}",
    },
    "unknown_sort": {
        "en": "Parameter sort: cannot sort by {name!r}.",
        "zh-CN": "参数 sort：不能按 {name!r} 排序。",
    },
    "invalid_page": {
        "en": "{name} must be a whole number from {min} to {max}.",
        "zh-CN": "{name} 必须是 {min} 到 {max} 之间的整数。",
    },
    # -- requests -----------------------------------------------------------------
    "json_required": {
        "en": "Send the body as JSON (Content-Type: application/json).",
        "zh-CN": "请以 JSON 格式发送请求体（Content-Type: application/json）。",
    },
    "malformed_json": {
        "en": "The JSON body is malformed: {problem}",
        "zh-CN": "JSON 格式错误：{problem}",
    },
    "bad_if_match": {
        "en": 'If-Match must be the record\'s ETag, e.g. "3".',
        "zh-CN": 'If-Match 必须是记录的 ETag，例如 "3"。',
    },
    "request_too_large": {"en": "The request is too large.", "zh-CN": "请求内容过大。"},
    "database_unavailable": {
        "en": "The database cannot be reached right now; nothing was saved. Try again in a moment.",
        "zh-CN": "暂时无法连接数据库，未保存任何内容。请稍后重试。",
    },
    # -- identity, sign-in and the account policy: formflow.catalog_accounts ------------
    **ACCOUNT_MESSAGES,
    # -- working calendar ---------------------------------------------------------
    "calendar_weekdays": {
        "en": "Working days are distinct weekday numbers, 1 (Monday) to 7 (Sunday).",
        "zh-CN": "工作日为不重复的星期序号：1（星期一）到 7（星期日）。",
    },
    "calendar_hours": {
        "en": "Working hours are HH:MM periods, each ending after it starts, in order and"
              " without overlaps.",
        "zh-CN": "工作时间为按先后排列、互不重叠的 HH:MM 时段，每段结束晚于开始。",
    },
    # -- process figures -----------------------------------------------------------
    "baseline_columns": {
        "en": "The file lacks the columns {columns} (case_id, activity, timestamp, resource).",
        "zh-CN": "文件缺少列：{columns}（需要 case_id、activity、timestamp、resource）。",
    },
    "baseline_too_long": {
        "en": "A baseline holds at most {limit} rows.",
        "zh-CN": "基线最多 {limit} 行。",
    },
    "baseline_label": {
        "en": "Give the baseline a label of at most {limit} characters.",
        "zh-CN": "请为基线填写名称，最多 {limit} 个字符。",
    },
    "baseline_case_id": {"en": "The case_id is empty.", "zh-CN": "case_id 为空。"},
    "baseline_activity": {
        "en": "'{activity}' is not a state of this process; map it with a mapping file.",
        "zh-CN": "“{activity}”不是此流程的节点，请用映射文件对应到节点。",
    },
    "baseline_timestamp": {
        "en": "'{value}' is not a date and time (ISO 8601, like 2026-03-01T09:30:00Z).",
        "zh-CN": "“{value}”不是有效的日期时间（ISO 8601 格式，如 2026-03-01T09:30:00Z）。",
    },
    "insights_forbidden": {
        "en": "Only admins, the process's managers and department heads see its figures.",
        "zh-CN": "只有管理员、流程负责人和部门负责人可以查看流程数据。",
    },
    "insights_source": {
        "en": "Write version:N, baseline:LABEL or period:YYYY-MM-DD..YYYY-MM-DD.",
        "zh-CN": "请写 version:N、baseline:名称 或 period:YYYY-MM-DD..YYYY-MM-DD。",
    },
    "insights_date": {
        "en": "Write the date as YYYY-MM-DD.",
        "zh-CN": "日期格式应为 YYYY-MM-DD。",
    },
    "insights_version": {
        "en": "Write the version as a whole number from 1.",
        "zh-CN": "版本号应为从 1 开始的整数。",
    },
    "insights_no_baseline": {
        "en": "There is no baseline labelled '{label}'.",
        "zh-CN": "没有名为“{label}”的基线。",
    },
    "rating_score": {
        "en": "Give a whole number of stars from 1 to 5.",
        "zh-CN": "请打 1 到 5 的整数分。",
    },
    "rating_not_requester": {
        "en": "Only the requester who started this case may rate it.",
        "zh-CN": "只有发起此申请的人可以评价。",
    },
    "rating_not_finished": {
        "en": "This case has not ended yet; rate it once it is finished.",
        "zh-CN": "此申请尚未办结，办结后才能评价。",
    },
    "cost_invalid": {
        "en": "Write an amount from 0 to {max} with at most two decimals, or leave it empty.",
        "zh-CN": "请填写 0 到 {max} 之间、最多两位小数的金额，或留空。",
    },
    # -- request hardening --------------------------------------------------------
    "next_not_local": {
        "en": "The page to open after signing in is not an address on this site, so it"
              " was dropped. Sign in again to go to the home page.",
        "zh-CN": "登录后要打开的页面不是本站地址，已忽略。请重新登录，登录后将进入首页。",
    },
    "lone_surrogate": {
        "en": "The JSON body holds text that is not valid Unicode (an unpaired surrogate"
              " \\u{code:04x}) at {path}.",
        "zh-CN": "JSON 内容在 {path} 处含有无效的 Unicode 文本（未配对的代理码 \\u{code:04x}）。",
    },
    "too_many_filters": {
        "en": "Use at most {max} filter conditions at a time; this request has {count}.",
        "zh-CN": "一次最多使用 {max} 个筛选条件，本次请求有 {count} 个。",
    },
    "too_many_values": {
        "en": "List at most {max} values; this list has {count}.",
        "zh-CN": "最多列出 {max} 个值，当前有 {count} 个。",
    },
    # -- what a record offers ------------------------------------------------------
    "set_by_process": {
        "en": "This field is filled in by the approval process.",
        "zh-CN": "此字段由审批流程填写。",
    },
    "edit_not_permitted": {
        "en": "You do not have permission to edit this record.",
        "zh-CN": "你没有修改权限。",
    },
    "edit_locked": {
        "en": "This record cannot be edited now.",
        "zh-CN": "该记录当前不能修改。",
    },
    "edit_in_approval_withdraw": {
        "en": "In approval — withdraw it to edit.",
        "zh-CN": "审批中，撤回后可修改。",
    },
    "edit_in_approval": {
        "en": "In approval — only the current approvers may change it.",
        "zh-CN": "审批中，只有当前审批人可以修改。",
    },
    "edit_finished": {
        "en": "A finished record cannot be edited.",
        "zh-CN": "已完成的记录不能修改。",
    },
    "too_many_attachments": {
        "en": "Attach at most {max} files.",
        "zh-CN": "最多上传 {max} 个附件。",
    },
    # -- input size limits ----------------------------------------------------------
    "more_errors": {
        "en": "…and {count} more problems, not listed.",
        "zh-CN": "……另有 {count} 处问题未列出。",
    },
    "too_many_cells": {
        "en": "The line items hold more than {max} values in all; split the record.",
        "zh-CN": "明细行的数据总共超过 {max} 项，请拆分该记录。",
    },
    "query_too_long": {
        "en": "The address's query string is longer than {max} characters.",
        "zh-CN": "网址中的查询参数超过 {max} 个字符。",
    },
    "query_too_many": {
        "en": "The address has more than {max} query parameters.",
        "zh-CN": "网址中的查询参数超过 {max} 个。",
    },
    "form_too_many": {
        "en": "The form has more than {max} inputs.",
        "zh-CN": "表单的输入项超过 {max} 个。",
    },
    "request_larger_than": {
        "en": "The request is too large: it may hold at most {max}.",
        "zh-CN": "请求内容过大：最多 {max}。",
    },
    "import_too_many_cells": {
        "en": "The file has more than {max} cells; split it into smaller files.",
        "zh-CN": "文件的单元格超过 {max} 个，请拆分为较小的文件。",
    },
    "import_too_slow": {
        "en": "Reading the file took longer than {seconds} seconds; split it into smaller files.",
        "zh-CN": "读取文件超过 {seconds} 秒，请拆分为较小的文件。",
    },
    "import_line_too_long": {
        "en": "Line {line} of the file is longer than {max} characters.",
        "zh-CN": "文件第 {line} 行超过 {max} 个字符。",
    },
    "idempotency_key_invalid": {
        "en": "An idempotency key is 1 to 128 printable ASCII characters without spaces.",
        "zh-CN": "幂等键须为 1 到 128 个不含空格的可打印 ASCII 字符。",
    },
    "idempotency_key_reused": {
        "en": "This idempotency key was already used for a different request; "
              "send a new key with a new request.",
        "zh-CN": "该幂等键已用于另一个不同的请求；新的请求请使用新的键。",
    },
    # -- the designer and more: formflow.catalog_design ----------------------------
    **DESIGN_MESSAGES,
    **CONDITION_MESSAGES,
    # -- saved list views -------------------------------------------------------------
    "view_name_required": {
        "en": "Give the view a name.",
        "zh-CN": "请为视图命名。",
    },
    "view_too_long": {
        "en": "A view's name holds at most {max} characters.",
        "zh-CN": "视图名称最多 {max} 个字符。",
    },
    "view_query_too_long": {
        "en": "This list's settings are too long to save as a view.",
        "zh-CN": "当前列表的设置过长，无法保存为视图。",
    },
    "too_many_views": {
        "en": "You can keep at most {max} views of a list; delete one first.",
        "zh-CN": "每个列表最多保存 {max} 个视图，请先删除一个。",
    },
    # -- organisation import and more: formflow.catalog_data -----------------------
    **DATA_MESSAGES,
}
