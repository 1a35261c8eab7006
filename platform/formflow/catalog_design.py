"""Service messages of the designer (apps, drafts, operations, publishing), in English
and Chinese; part of :data:`formflow.catalog.CATALOG`."""

DESIGN_MESSAGES: dict[str, dict[str, str]] = {
    # -- the designer ------------------------------------------------------------------
    "design_forbidden": {
        "en": "Only administrators and designers may change apps.",
        "zh-CN": "只有管理员和设计者可以修改应用。",
    },
    "design_app_not_found": {"en": "No app named {app}.", "zh-CN": "没有名为 {app} 的应用。"},
    "design_read_only": {
        "en": "App {app} is shipped with Formflow and cannot be changed in the designer.",
        "zh-CN": "应用 {app} 随系统提供，不能在设计器中修改。",
    },
    "design_app_exists": {"en": "An app named {app} exists already.",
                          "zh-CN": "已存在名为 {app} 的应用。"},
    "design_app_name": {
        "en": "An app's name is lower snake_case, at most 40 characters, like 'fleet'.",
        "zh-CN": "应用名称须为小写字母、数字和下划线，最多 40 个字符，例如 'fleet'。",
    },
    "design_create_body": {
        "en": "Send {{\"name\": ..., \"label\": ...}}.",
        "zh-CN": "请发送 {{\"name\": ..., \"label\": ...}}。",
    },
    "design_stale": {
        "en": "The draft was changed meanwhile (it is at revision {revision}); reload it.",
        "zh-CN": "草稿已被他人修改（当前版本 {revision}），请重新加载。",
    },
    "design_nothing_to_undo": {"en": "Nothing to undo.", "zh-CN": "没有可撤销的操作。"},
    "design_nothing_to_redo": {"en": "Nothing to redo.", "zh-CN": "没有可重做的操作。"},
    "design_ops_body": {"en": "Send {{\"ops\": [...]}}.", "zh-CN": "请发送 {{\"ops\": [...]}}。"},
    "design_ops_required": {"en": "Send a list of one or more operations.",
                            "zh-CN": "请发送至少一个操作的列表。"},
    "design_too_many_ops": {"en": "At most {max} operations at once.",
                            "zh-CN": "一次最多 {max} 个操作。"},
    "design_op_failed": {
        "en": "Operation {index}: {problem} Nothing was changed.",
        "zh-CN": "第 {index} 个操作：{problem} 未做任何修改。",
    },
    "design_op_malformed": {
        "en": "An operation is an object with op, path and optionally value and after.",
        "zh-CN": "操作须为包含 op、path，可选 value 和 after 的对象。",
    },
    "design_op_unknown": {"en": "Unknown operation {op}; use one of {known}.",
                          "zh-CN": "未知操作 {op}，可用：{known}。"},
    "design_op_not_here": {"en": "{op} cannot be used on {path}.",
                           "zh-CN": "{path} 不支持操作 {op}。"},
    "design_path_malformed": {"en": "The path {path} is not valid.",
                              "zh-CN": "路径 {path} 无效。"},
    "design_path_unknown": {
        "en": "The path {path} must start with app, entities/<name> or processes/<name>.",
        "zh-CN": "路径 {path} 须以 app、entities/<名称> 或 processes/<名称> 开头。",
    },
    "design_path_missing": {"en": "Nothing at {path}.", "zh-CN": "{path} 不存在。"},
    "design_exists": {"en": "{path} exists already.", "zh-CN": "{path} 已存在。"},
    "design_app_document": {"en": "The app's own document cannot be added or removed.",
                            "zh-CN": "应用本身的文档不能添加或删除。"},
    "design_app_rename": {"en": "An app cannot be renamed.", "zh-CN": "应用不能改名。"},
    "design_published_rename": {
        "en": "{name} was published already and cannot be renamed.",
        "zh-CN": "{name} 已发布，不能改名。",
    },
    "design_name_text": {"en": "A name is a text of 1 to 100 characters.",
                         "zh-CN": "名称须为 1 到 100 个字符的文本。"},
    "design_value_object": {"en": "The value must be an object.", "zh-CN": "值必须是对象。"},
    "design_key_differs": {"en": "The value names {given}, the path {key}.",
                           "zh-CN": "值中的名称 {given} 与路径中的 {key} 不一致。"},
    "design_after_missing": {"en": "Nothing named {after} to place it after.",
                             "zh-CN": "找不到要排在其后的 {after}。"},
    "design_hide_fields_only": {"en": "Only fields and options can be hidden ({path}).",
                                "zh-CN": "只有字段和选项可以隐藏（{path}）。"},
    "design_order_list": {
        "en": "Order an item with after, or a list by sending all its items in order ({path}).",
        "zh-CN": "请用 after 调整单项顺序，或按新顺序发送列表的全部项（{path}）。",
    },
    "design_order_same_items": {
        "en": "The new order must hold exactly the items there are ({path}).",
        "zh-CN": "新顺序必须恰好包含现有的全部项（{path}）。",
    },
    "design_has_problems": {
        "en": "The draft has {count} problem(s); correct them before publishing.",
        "zh-CN": "草稿有 {count} 个问题，请先修正再发布。",
    },
    "design_data_problems": {
        "en": "The data in the tables does not allow this change.",
        "zh-CN": "表中现有数据不允许此修改。",
    },
    "design_confirm_destructive": {
        "en": "Publishing would delete data; confirm the destructive steps listed.",
        "zh-CN": "发布将删除数据，请确认列出的破坏性步骤。",
    },
    "design_publish_body": {
        "en": "Send {{\"confirm_destructive\": true|false, \"note\": \"...\"}}.",
        "zh-CN": "请发送 {{\"confirm_destructive\": true|false, \"note\": \"...\"}}。",
    },
    "design_note": {"en": "A note holds at most {max} characters.",
                    "zh-CN": "说明最多 {max} 个字符。"},
    "design_version_not_found": {"en": "No version {version}.", "zh-CN": "没有版本 {version}。"},
    "design_zip_required": {"en": "Send the app folder as a zip file.",
                            "zh-CN": "请以 zip 文件上传应用文件夹。"},
    "design_zip_too_large": {"en": "The zip file is larger than {max}.",
                             "zh-CN": "zip 文件超过 {max}。"},
    "design_zip_invalid": {"en": "The file is not a readable zip file.",
                           "zh-CN": "该文件不是可读取的 zip 文件。"},
    "design_zip_too_many": {"en": "The zip file holds more than {max} files.",
                            "zh-CN": "zip 文件中的文件超过 {max} 个。"},
    "design_zip_entry": {
        "en": "{name} is not a document of an app (app.json, entities/*.json, processes/*.json).",
        "zh-CN": "{name} 不是应用的文档（app.json、entities/*.json、processes/*.json）。",
    },
    "design_zip_entry_too_large": {"en": "{name} is too large.", "zh-CN": "{name} 过大。"},
    "design_zip_json": {"en": "{name} is not valid JSON text.",
                        "zh-CN": "{name} 不是有效的 JSON 文本。"},
    "design_zip_no_app": {"en": "The zip file holds no app.json.",
                          "zh-CN": "zip 文件中没有 app.json。"},
    "design_type_change_to": {
        "en": "The type of {field} cannot change from {old} to {new}: its values would not "
              "carry over. It may become: {allowed}.",
        "zh-CN": "字段 {field} 的类型不能从 {old} 改为 {new}：已有的值无法转换。"
                 "可改为：{allowed}。",
    },
    "design_type_fixed": {
        "en": "The type of {field} ({old}) cannot change once published; add a new field "
              "instead.",
        "zh-CN": "字段 {field} 发布后类型（{old}）不能再改；请改为新增一个字段。",
    },
    "design_preview_problems": {
        "en": "The draft has {count} problem(s) to fix before it can be previewed.",
        "zh-CN": "草稿还有 {count} 个问题，修正后才能预览。",
    },
    "design_sample_text": {"en": "{label} {n}", "zh-CN": "{label}{n}"},
    "design_value_one": {"en": "{n} value", "zh-CN": "{n} 个值"},
    "design_values": {"en": "{n} values", "zh-CN": "{n} 个值"},
    "design_row_one": {"en": "{n} row", "zh-CN": "{n} 行"},
    "design_rows": {"en": "{n} rows", "zh-CN": "{n} 行"},
    "design_step_create": {"en": "creates the table of entity {entity}",
                           "zh-CN": "新建实体 {entity} 的数据表"},
    "design_step_create_lines": {"en": "creates the table of line items {owner}",
                                 "zh-CN": "新建明细 {owner} 的数据表"},
    "design_step_add_column": {"en": "adds column {column} to {owner}",
                               "zh-CN": "在 {owner} 中新增列 {column}"},
    "design_step_rename_column": {"en": "renames {column} → {new} keeping {values}",
                                  "zh-CN": "将 {column} 改名为 {new}，保留 {values}"},
    "design_step_rename_table": {"en": "renames table {owner} → {new} keeping {rows}",
                                 "zh-CN": "将明细表 {owner} 改名为 {new}，保留 {rows}"},
    "design_step_drop_column": {"en": "drops column {column} of {owner}, losing {values}",
                                "zh-CN": "删除 {owner} 的列 {column}，将丢失 {values}"},
    "design_step_archive_column": {
        "en": "archives column {column} of {owner} keeping {values}",
        "zh-CN": "归档 {owner} 的列 {column}，保留 {values}",
    },
    "design_step_widen": {"en": "widens column {column} of {owner} ({values})",
                          "zh-CN": "加长 {owner} 的列 {column}（{values}）"},
    "design_step_narrow": {"en": "narrows column {column} of {owner} ({values})",
                           "zh-CN": "缩短 {owner} 的列 {column}（{values}）"},
    "design_step_convert": {"en": "converts column {column} of {owner} ({values})",
                            "zh-CN": "转换 {owner} 的列 {column} 的类型（{values}）"},
    "design_step_keep_table": {
        "en": "keeps the table of {owner} with its {rows} (no entity uses it)",
        "zh-CN": "保留 {owner} 的数据表及其 {rows}（已无实体使用）",
    },
    "design_step_add_index": {"en": "adds index {index} of {owner}",
                              "zh-CN": "为 {owner} 新增索引 {index}"},
    "design_step_drop_index": {"en": "drops index {index} of {owner}",
                               "zh-CN": "删除 {owner} 的索引 {index}"},
    "design_step_other": {"en": "{text}{examples}", "zh-CN": "{text}{examples}"},
    "design_rows_not_convertible": {"en": "{rows} cannot become {type}{examples}",
                                    "zh-CN": "{rows}无法转换为 {type}{examples}"},
    "design_rows_too_long": {"en": "{rows} longer than {max} characters{examples}",
                             "zh-CN": "{rows}超过 {max} 个字符{examples}"},
    # -- overlays of shipped apps --
    "overlay_site_name": {
        "en": "{name}: what a site adds to a shipped app is named with the prefix {prefix}, "
              "so an upgrade never collides with it.",
        "zh-CN": "{name}：在随系统提供的应用中新增的名称须以 {prefix} 开头，升级时才不会冲突。",
    },
    "overlay_fixed": {
        "en": "{path}: the {property} of a shipped element cannot be changed "
              "(add a new element named x_… instead).",
        "zh-CN": "{path}：随系统提供的元素不能修改其 {property}（请改为新增以 x_ 开头的元素）。",
    },
    "overlay_loosen": {
        "en": "{path} is required in the shipped app; a site may tighten rules, "
              "not loosen them.",
        "zh-CN": "{path} 在随系统提供的应用中为必填；站点只能收紧规则，不能放宽。",
    },
    "overlay_loosen_unique": {
        "en": "{path} is unique in the shipped app; a site may tighten rules, "
              "not loosen them.",
        "zh-CN": "{path} 在随系统提供的应用中要求唯一；站点只能收紧规则，不能放宽。",
    },
    "overlay_loosen_up": {
        "en": "{path}: {rule} is {shipped} in the shipped app; a site may only raise it "
              "(a stricter rule), not lower or remove it.",
        "zh-CN": "{path}：随系统提供的应用中 {rule} 为 {shipped}；站点只能调高（更严格），"
                 "不能调低或去掉。",
    },
    "overlay_loosen_down": {
        "en": "{path}: {rule} is {shipped} in the shipped app; a site may only lower it "
              "(a stricter rule), not raise or remove it.",
        "zh-CN": "{path}：随系统提供的应用中 {rule} 为 {shipped}；站点只能调低（更严格），"
                 "不能调高或去掉。",
    },
    "overlay_loosen_same": {
        "en": "{path}: the shipped {rule} {shipped} stays as it is; add a rule of the "
              "entity to check more.",
        "zh-CN": "{path}：随系统提供的 {rule} {shipped} 须保持不变；"
                 "如需更多校验，请为实体添加规则。",
    },
    "overlay_no_remove": {
        "en": "{path} is shipped and cannot be removed; hide it instead.",
        "zh-CN": "{path} 随系统提供，不能删除；请改为隐藏。",
    },
    "overlay_process_fork": {
        "en": "{path} is shipped with the process: its states and transitions cannot be "
              "removed or renamed. Fork the process (a copy the site owns) to change them.",
        "zh-CN": "{path} 随流程一起提供：其状态和流转不能删除或改名。"
                 "如需修改，请复制（分叉）该流程为站点自有的副本。",
    },
    "overlay_whole_document": {
        "en": "{path} is shipped: change its parts, not the whole document.",
        "zh-CN": "{path} 随系统提供：请修改其中的部分，而不是整个文档。",
    },
    "overlay_conflict": {
        "en": "The shipped value changed since this change was made; the site's value "
              "still applies.",
        "zh-CN": "此修改之后随系统提供的值已变更；仍以站点的值为准。",
    },
    "overlay_action": {
        "en": "Give action accept, reapply or drop with the id of an operation, "
              "or reset with a path.",
        "zh-CN": "请提供 action：accept、reapply 或 drop（附操作的 id），或 reset（附 path）。",
    },
    "overlay_reset_path": {
        "en": "Name the element to reset to shipped by its path, "
              "e.g. entities/customer/fields/phone.",
        "zh-CN": "请用路径指明要恢复为随系统提供状态的元素，例如 entities/customer/fields/phone。",
    },
    "overlay_not_found": {
        "en": "The overlay has no operation {id}.",
        "zh-CN": "定制中没有编号为 {id} 的操作。",
    },
    "fork_name": {
        "en": "The copy of a shipped process is named in lower-case letters, digits and _, "
              "starting with {prefix}.",
        "zh-CN": "随系统提供流程的副本名称须由小写字母、数字和 _ 组成，并以 {prefix} 开头。",
    },
    "fork_body": {
        "en": "Send a name (optional: the copy's name, starting with x_) or nothing.",
        "zh-CN": "请发送 name（可选：副本名称，以 x_ 开头），或不发送内容。",
    },
    "fork_not_in_use": {
        "en": "{process} is not the process of its entity any more; fork the one it uses.",
        "zh-CN": "{process} 已不是其实体所用的流程；请复制实体当前使用的流程。",
    },
    "overlay_file": {
        "en": "An overlay is a list of items, each with an op (an object) and was.",
        "zh-CN": "定制文件应为条目列表，每项含 op（对象）和 was。",
    },
}
