"""Service messages of the process engine (actions, steps, delegation), in English and
Chinese; part of :data:`formflow.catalog.CATALOG`."""

PROCESS_MESSAGES: dict[str, dict[str, str]] = {
    # -- processes ----------------------------------------------------------------
    "action_not_available": {
        "en": "You cannot take the action {action!r} on this record now.",
        "zh-CN": "您当前不能对此记录执行“{action}”操作。",
    },
    "state_moved": {
        "en": "This step has already been handled by someone else; reload the record.",
        "zh-CN": "此步骤已由他人处理，请刷新记录。",
    },
    "no_branch": {
        "en": "No branch of {action!r} applies to this record.",
        "zh-CN": "“{action}”没有适用于此记录的分支。",
    },
    "withdraw_after_decision": {
        "en": "The record cannot be withdrawn: an approver has already acted.",
        "zh-CN": "已有审批人处理，不能撤回。",
    },
    "transfer_to_self": {
        "en": "You cannot transfer a task to yourself.",
        "zh-CN": "不能转交给自己。",
    },
    "already_assigned": {
        "en": "That person already has a task on this step.",
        "zh-CN": "此人在当前步骤已有待办。",
    },
    "too_many_tasks": {
        "en": "Choose at most {max} tasks at a time.",
        "zh-CN": "一次最多选择 {max} 条待办。",
    },
    "needs_input": {
        "en": "This step needs fields or a comment: open the record to decide it.",
        "zh-CN": "此步骤需要填写字段或意见，请打开单据处理。",
    },
    "user_inactive": {
        "en": "{value!r} is deactivated and cannot take tasks.",
        "zh-CN": "{value!r} 已停用，不能接收待办。",
    },
    "requester_as_approver": {
        "en": "{value!r} made this request (or it is for them), so cannot approve it.",
        "zh-CN": "{value!r} 是此申请的发起人或申请对象，不能审批此申请。",
    },
    "self_approval": {
        "en": "You made this request (or it is for you), so you cannot approve it.",
        "zh-CN": "这是您发起的（或为您提交的）申请，您不能自己审批。",
    },
    "process_not_published": {
        "en": "The process {process} is not published yet; run formflow migrate.",
        "zh-CN": "流程“{process}”尚未发布，请运行 formflow migrate。",
    },
    "automation_failed": {
        "en": "The automation {automation} could not run, so nothing was saved: {problem}",
        "zh-CN": "智能助手“{automation}”执行失败，未保存任何内容：{problem}",
    },
    "automation_invalid": {
        "en": "the {entity} it writes was refused ({problems})",
        "zh-CN": "它要写入的{entity}未通过校验（{problems}）",
    },
    "automation_value": {
        "en": "the value for {field} of {entity} does not fit ({problem})",
        "zh-CN": "{entity}的“{field}”取值不合适（{problem}）",
    },
    "automation_too_deep": {
        "en": "automations set off one another more than {depth} levels deep",
        "zh-CN": "智能助手相互触发超过 {depth} 层",
    },
    "plugin_failed": {
        "en": "The plugin {plugin} failed; nothing was saved. The details are in the server log.",
        "zh-CN": "插件 {plugin} 出错，未保存任何内容。详情见服务器日志。",
    },
    # -- delegation -------------------------------------------------------------
    "delegate_to_self": {
        "en": "Choose someone else as your deputy.",
        "zh-CN": "请选择其他人作为代理人。",
    },
    "ends_before_start": {
        "en": "The last day is before the first.",
        "zh-CN": "结束日期早于开始日期。",
    },
    "delegation_too_long": {
        "en": "A delegation lasts at most {max} days.",
        "zh-CN": "委托最长 {max} 天。",
    },
    "delegation_in_past": {
        "en": "The last day has already passed.",
        "zh-CN": "结束日期已过。",
    },
    "delegation_overlaps": {
        "en": "You already have a deputy for some of these days and processes.",
        "zh-CN": "这段时间内的部分流程已设置了代理人。",
    },
    "too_many_delegations": {
        "en": "You can keep at most {max} delegations; delete one first.",
        "zh-CN": "最多保留 {max} 条委托，请先删除一条。",
    },
    "unknown_process": {
        "en": "No process named {value!r}.",
        "zh-CN": "不存在流程 {value!r}。",
    },
    "not_removable": {
        "en": "{value!r} is no approver you added who has yet to decide.",
        "zh-CN": "{value!r} 不是您加签且尚未审批的审批人。",
    },
    "hidden_at_step": {
        "en": "Field {name!r} is hidden from you at an approval step you hold: it cannot be "
              "filtered or sorted on.",
        "zh-CN": "字段 {name!r} 在您处理的审批节点中对您隐藏，不能按它筛选或排序。",
    },
}
