"""Messages of the designer's condition builder and expression check, in English and
Chinese; part of :data:`formflow.catalog.CATALOG`."""

CONDITION_MESSAGES: dict[str, dict[str, str]] = {
    "condition_no_rows": {"en": "Add at least one condition.", "zh-CN": "请至少添加一个条件。"},
    "condition_too_many_rows": {
        "en": "A condition holds at most {max} rows.",
        "zh-CN": "一个条件最多 {max} 行。",
    },
    "condition_unknown_field": {
        "en": "Row {row}: there is no field {field}.",
        "zh-CN": "第 {row} 行：没有字段 {field}。",
    },
    "condition_operator": {
        "en": "Row {row}: choose an operator that fits the field {field}.",
        "zh-CN": "第 {row} 行：请选择适用于字段 {field} 的运算符。",
    },
    "condition_value_missing": {
        "en": "Row {row}: enter a value.",
        "zh-CN": "第 {row} 行：请填写值。",
    },
    "condition_number": {
        "en": "Row {row}: {value} is not a number.",
        "zh-CN": "第 {row} 行：{value} 不是数字。",
    },
    "condition_date": {
        "en": "Row {row}: enter a date like 2024-05-31.",
        "zh-CN": "第 {row} 行：请按 2024-05-31 的格式填写日期。",
    },
    "condition_not_visual": {
        "en": "This expression cannot be shown as rows; edit it as text.",
        "zh-CN": "此表达式无法以条件行显示，请以文本方式编辑。",
    },
    "expression_text": {
        "en": "Send the expression as text of at most {max} characters.",
        "zh-CN": "表达式须为不超过 {max} 个字符的文本。",
    },
    "expression_check_body": {
        "en": 'Send {{"expression": ..., "entity": ..., "table": ...}} (table optional).',
        "zh-CN": '请发送 {{"expression": ..., "entity": ..., "table": ...}}（table 可选）。',
    },
    "expression_syntax": {
        "en": "Syntax error at character {column}.",
        "zh-CN": "第 {column} 个字符处有语法错误。",
    },
    "expression_unknown_function": {
        "en": "Unknown function {name} (character {column}).",
        "zh-CN": "未知函数 {name}（第 {column} 个字符）。",
    },
    "expression_not_allowed": {
        "en": "Not allowed here: {detail} (character {column}).",
        "zh-CN": "此处不允许：{detail}（第 {column} 个字符）。",
    },
    "expression_types": {
        "en": "This can never hold: {detail}",
        "zh-CN": "此条件永远不会成立：{detail}",
    },
    "expression_unknown_name": {"en": "Unknown field {name}.", "zh-CN": "未知字段 {name}。"},
    "expression_unknown_name_hint": {
        "en": "Unknown field {name}; did you mean {suggestion}?",
        "zh-CN": "未知字段 {name}，是否应为 {suggestion}？",
    },
    "expression_not_a_link": {
        "en": "{name} is not a link or table field, so {next} cannot be read through it.",
        "zh-CN": "{name} 不是关联或明细字段，不能通过它读取 {next}。",
    },
}
