"""Service messages of moving data in and out (the organisation file, import sources and
mappings, line items in files, app archives), in English and Chinese; part of
:data:`formflow.catalog.CATALOG`."""

DATA_MESSAGES: dict[str, dict[str, str]] = {
    # -- organisation import ----------------------------------------------------------
    "org_unknown_column": {
        "en": "Unknown column; the columns are: {columns}.",
        "zh-CN": "未知列，可用的列为：{columns}。",
    },
    "org_column_missing": {
        "en": "The file needs this column.",
        "zh-CN": "文件缺少此列。",
    },
    "org_unknown_kind": {
        "en": "Write department or user.",
        "zh-CN": "请填写 department（部门）或 user（用户）。",
    },
    "org_not_for_department": {
        "en": "A department row leaves this column empty.",
        "zh-CN": "部门行的此列应留空。",
    },
    "org_not_for_user": {
        "en": "A user row leaves this column empty.",
        "zh-CN": "用户行的此列应留空。",
    },
    # -- import sources and mappings ----------------------------------------------------
    "import_column": {"en": "column", "zh-CN": "列"},
    "import_mapping": {"en": "mapping", "zh-CN": "列映射"},
    "mapping_invalid": {
        "en": "The mapping is not valid JSON of field names to column names: {problem}.",
        "zh-CN": "列映射不是“字段名: 列名”形式的有效 JSON：{problem}。",
    },
    "mapping_no_column": {
        "en": "The source has no column {column!r}.",
        "zh-CN": "数据源中没有列 {column!r}。",
    },
    "sql_unreachable": {
        "en": "The source database cannot be read: {problem}",
        "zh-CN": "无法读取源数据库：{problem}",
    },
    "sql_no_table": {
        "en": "The source database has no table {table!r}.",
        "zh-CN": "源数据库中没有表 {table!r}。",
    },
    # -- line items in files --------------------------------------------------------------
    "line_key_column": {
        "en": "The first column of sheet {sheet!r} must be a column of the documents' sheet "
              "(such as _number), saying which document each line belongs to.",
        "zh-CN": "工作表 {sheet!r} 的第一列必须是单据表中的某一列（如 _number），"
                 "用来指明每行明细属于哪张单据。",
    },
    "line_without_document": {
        "en": "No document has {value!r} in column {column}.",
        "zh-CN": "没有单据的 {column} 列为 {value!r}。",
    },
    # -- app archives ----------------------------------------------------------------------
    "archive_unreadable": {
        "en": "This is not an app archive Formflow can read: {problem}.",
        "zh-CN": "无法读取此应用归档：{problem}。",
    },
    "archive_no_app": {
        "en": "This instance has no app {app!r}: copy the archive's metadata/{app} folder "
              "into the metadata path and run formflow migrate first.",
        "zh-CN": "本实例没有应用 {app!r}：请先把归档中的 metadata/{app} 文件夹复制到元数据目录，"
                 "再运行 formflow migrate。",
    },
    "archive_other_metadata": {
        "en": "App {app!r} here differs from the archive's: install the archive's metadata "
              "(and migrate) first.",
        "zh-CN": "本实例的应用 {app!r} 与归档中的不同：请先安装归档中的元数据并运行迁移。",
    },
    "archive_not_empty": {
        "en": "App {app!r} already has records here; an archive loads into an empty app.",
        "zh-CN": "应用 {app!r} 在本实例中已有记录；归档只能导入到没有数据的应用。",
    },
    "archive_missing_names": {
        "en": "These users or departments are missing here (import the organisation "
              "first): {names}.",
        "zh-CN": "本实例缺少以下用户或部门（请先导入组织架构）：{names}。",
    },
    "archive_checksum": {
        "en": "Table {table} does not read back as archived; nothing was loaded.",
        "zh-CN": "表 {table} 导入后与归档内容不一致，未导入任何数据。",
    },
}
