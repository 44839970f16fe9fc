"""The structural rules of extension files: what the reading of a file (CSV, YAML, Turtle, JSON-LD) and the
checks against one release (:mod:`etomkg.imports.extension_check`) report, before the SHACL shapes run on the
canonical triples. They are rules of the one rule book like the shapes' (``etomkg validate --list-rules``):
a stable id, a severity, and what each checks and how to fix it, in English and Chinese.

The rules of ODA component specifications (``oda-spec-*``, read by :mod:`etomkg.oda.spec`) are here too;
other readers add theirs with :func:`register_rules`.

>>> STRUCTURE_RULES["parent-unknown"].severity, STRUCTURE_RULES["label-zh-missing"].severity
('violation', 'info')
>>> finding("maps-to-unknown", key="SYS-1", file="acme.csv", line=9, detail="maps to 1.4.999", value="1.4.999"
...         ).message("zh")
'SYS-1 映射到的 1.4.999 既不是该版本的元素，也不是本文件中的流程；请改用该版本的标识或本文件中的流程。'
"""

from __future__ import annotations

from .findings import Finding, Focus
from .rules import Rule

SOURCE = "etomkg/imports/extension_check.py"

# id → (severity, what it checks en, zh, how to fix en, zh); {$this} is the element, {?value} the value
_TABLE: dict[str, tuple[str, str, str, str, str]] = {
    "syntax": ("violation",
        "The file can be read: Turtle, JSON-LD, YAML or CSV in UTF-8; no remote JSON-LD context, no YAML alias "
        "(exit code 2: nothing else is checked).",
        "文件可读：UTF-8 编码的 Turtle、JSON-LD、YAML 或 CSV；不引用远程 JSON-LD 上下文，不用 YAML 别名（退出码 2：其余不再检查）。",
        "Fix the syntax at the line given.",
        "请修正所示行的语法错误。"),
    "column-missing": ("violation",
        "A CSV file has a header row with the columns id and name.",
        "CSV 文件有表头行，且含 id 和 name 两列。",
        "Add the missing column {$this} to the header row.",
        "请在表头行中加上缺少的列 {$this}。"),
    "column-unknown": ("violation",
        "Every column of a CSV file and every field of a YAML file is one etomkg knows, once.",
        "CSV 的每一列、YAML 的每个字段都是 etomkg 认识的，且不重复。",
        "Rename or remove {$this}; the columns are kind, id, name, name_zh, parent, level, description, "
        "description_zh, maps_to.",
        "请重命名或删除 {$this}；可用的列为 kind、id、name、name_zh、parent、level、description、description_zh、maps_to。"),
    "kind-unknown": ("violation",
        "Every element has one known kind: process, application, system or organisation-unit (RDF: one class).",
        "每个元素有且仅有一种已知类别：process、application、system 或 organisation-unit（RDF：一个类）。",
        "Give {$this} one of the kinds process, application, system, organisation-unit.",
        "请为 {$this} 指定 process、application、system、organisation-unit 之一。"),
    "iri-required": ("violation",
        "An element of a Turtle or JSON-LD file has an IRI (a blank node cannot be an element).",
        "Turtle 或 JSON-LD 文件中的元素有 IRI（空白节点不能作为元素）。",
        "Give the element an IRI in your own namespace.",
        "请为该元素指定你自己命名空间中的 IRI。"),
    "identifier-missing": ("violation",
        "Every element has an identifier (id; skos:notation in RDF).",
        "每个元素都有标识（id；RDF 中为 skos:notation）。",
        "Give the element an id (skos:notation in RDF).",
        "请为该元素填写 id（RDF 中为 skos:notation）。"),
    "identifier-format": ("violation",
        "A process identifier is numbered on from its parent (1.n.n…); other elements' keys are letters, digits, "
        "'.', '-' or '_'; an element has one identifier.",
        "流程标识在其父流程标识后续编号（1.n.n…）；其他元素的键由字母、数字、'.'、'-'、'_' 组成；每个元素只有一个标识。",
        "Write {$this} as 1.n.n… below its parent (a process) or with letters, digits, '.', '-', '_'.",
        "请把 {$this} 写成父流程之下的 1.n.n…（流程），或只用字母、数字、'.'、'-'、'_'。"),
    "identifier-duplicate": ("violation",
        "Each element is described once (one row, one IRI).",
        "每个元素只描述一次（一行、一个 IRI）。",
        "{$this} is described twice; keep one row, or give the other a new identifier.",
        "{$this} 被描述了两次；请只保留一行，或给另一行新的标识。"),
    "identifier-taken": ("violation",
        "An operator process does not reuse an identifier of the eTOM release.",
        "运营商自有流程不重复使用 eTOM 该版本已有的标识。",
        "{$this} is already an eTOM element; number your process below it, e.g. {$this}.91.",
        "{$this} 已是 eTOM 元素；请在其下编号，例如 {$this}.91。"),
    "etom-element-modified": ("violation",
        "An extension states nothing about eTOM's own elements.",
        "扩展不对 eTOM 自身的元素作任何陈述。",
        "Describe your own element in your own namespace and link it with etom:parent or etom:mapsTo.",
        "请在你自己的命名空间中描述自有元素，并用 etom:parent 或 etom:mapsTo 关联。"),
    "label-missing": ("violation",
        "Every element has an English name (name; skos:prefLabel @en).",
        "每个元素都有英文名称（name；skos:prefLabel @en）。",
        "Give {$this} an English name (skos:prefLabel with @en in RDF).",
        "请为 {$this} 填写英文名称（RDF 中为带 @en 的 skos:prefLabel）。"),
    "label-duplicate-language": ("violation",
        "An element has at most one name per language.",
        "每个元素每种语言至多一个名称。",
        "Keep one name per language for {$this}; put the others in skos:altLabel.",
        "{$this} 每种语言只保留一个名称；其余改为 skos:altLabel。"),
    "definition-duplicate-language": ("violation",
        "An element has at most one description per language.",
        "每个元素每种语言至多一段描述。",
        "Keep one description per language for {$this}.",
        "{$this} 每种语言只保留一段描述。"),
    "label-zh-missing": ("info",
        "An application, system or organisation unit has a Chinese name (name_zh; skos:prefLabel @zh); for "
        "processes, etom-proc-010 and etom-proc-011 say it by level.",
        "应用、系统或组织单元有中文名称（name_zh；skos:prefLabel @zh）；流程的中文名称由 etom-proc-010 和 etom-proc-011 按层级检查。",
        "No Chinese name for {$this} yet; add name_zh (skos:prefLabel with @zh).",
        "{$this} 尚无中文名称；请填写 name_zh（带 @zh 的 skos:prefLabel）。"),
    "level-depth": ("violation",
        "A stated level equals the depth of the process identifier (1.4.5.2.91 is level 4).",
        "所填层级等于流程标识的深度（1.4.5.2.91 为第 4 层）。",
        "The level of {$this} does not match its identifier; set it to the depth of the identifier or leave it "
        "empty.",
        "{$this} 的层级与标识不符；请按标识深度填写，或留空。"),
    "parent-unknown": ("violation",
        "A process's parent is an element of the release or a process of the same file.",
        "流程的父流程是该版本的元素或同一文件中的流程。",
        "The parent {?value} of {$this} is unknown; use an existing parent or add a row for it.",
        "{$this} 的父流程 {?value} 不存在；请改用已有的父流程，或为它加一行。"),
    "parent-identifier": ("violation",
        "A process's parent is the element whose identifier is the process's own minus its last part.",
        "流程的父流程是标识为其自身标识去掉最后一段的元素。",
        "Renumber {$this} below its parent {?value}, or make the identifier minus its last part its parent.",
        "请把 {$this} 重新编号到父流程 {?value} 之下，或把其标识去掉最后一段所得的元素设为父流程。"),
    "parent-not-allowed": ("violation",
        "Applications, systems and organisation units have no parent.",
        "应用、系统和组织单元没有父元素。",
        "Drop the parent of {$this} and map it to processes with maps_to.",
        "请删除 {$this} 的父元素，改用 maps_to 映射到流程。"),
    "level-not-allowed": ("violation",
        "Applications, systems and organisation units have no level.",
        "应用、系统和组织单元没有层级。",
        "Drop the level of {$this}.",
        "请删除 {$this} 的层级。"),
    "maps-to-missing": ("violation",
        "An application, system or organisation unit maps to at least one eTOM element (maps_to; etom:mapsTo).",
        "应用、系统或组织单元至少映射到一个 eTOM 元素（maps_to；etom:mapsTo）。",
        "List the identifiers of the processes {$this} supports in maps_to, e.g. 1.3.3 1.4.5.",
        "请在 maps_to 中列出 {$this} 支持的流程标识，例如 1.3.3 1.4.5。"),
    "maps-to-unknown": ("violation",
        "Every maps_to target is an element of the release or a process of the same file.",
        "maps_to 的每个目标都是该版本的元素或同一文件中的流程。",
        "{$this} maps to {?value}, which is neither an element of the release nor a process of this file; use an "
        "identifier of the release or a process of this file.",
        "{$this} 映射到的 {?value} 既不是该版本的元素，也不是本文件中的流程；请改用该版本的标识或本文件中的流程。"),
    "release-mismatch": ("violation",
        "A stated etom:release or skos:inScheme is the release the extension is checked against.",
        "所述 etom:release 或 skos:inScheme 即扩展所基于的版本。",
        "Drop the release of {$this} (etomkg derives it) or correct it to {?value}.",
        "请删除 {$this} 的版本（etomkg 会推导），或改为 {?value}。"),
    "derived-mismatch": ("violation",
        "A stated etom:domain, etom:hierarchyLevel or skos:broader agrees with what the identifier gives.",
        "所述 etom:domain、etom:hierarchyLevel 或 skos:broader 与标识推导的结果一致。",
        "Drop the statement about {$this} (etomkg derives it) or correct it to {?value}.",
        "请删除关于 {$this} 的该陈述（etomkg 会推导），或改为 {?value}。"),
    "term-unknown": ("violation",
        "Every etom: term a file uses is a term of the etomkg ontology.",
        "文件使用的每个 etom: 术语都是 etomkg 本体中的术语。",
        "{?value} is not a term of the etomkg ontology; check the spelling against ontology/etom.ttl.",
        "{?value} 不是 etomkg 本体中的术语；请对照 ontology/etom.ttl 检查拼写。"),
    "type-missing": ("violation",
        "A subject that uses etom: terms is typed (a process, a mapped element, or another etom: class).",
        "使用 etom: 术语的主语有类型（流程、映射元素或其他 etom: 类）。",
        "Type {$this}: add the class ProcessElement, Application, SystemElement or OrganisationUnit (rdf:type).",
        "请为 {$this} 加上类型：ProcessElement、Application、SystemElement 或 OrganisationUnit（rdf:type）。"),
}  # fmt: skip

ODA_SOURCE = "etomkg/oda/spec.py"

# The structure of users' ODA component specifications (``etomkg validate spec.yaml``, ``etomkg import oda``);
# their references to eTOM and the Open APIs are the shapes' rules etom-oda-001 … 005.
_ODA_TABLE: dict[str, tuple[str, str, str, str, str]] = {
    "oda-spec-001": ("violation",
        "The file is an ODA component specification read with YAML's safe loader: plain YAML, "
        "apiVersion oda.tmforum.org/…, kind Component, and a spec mapping with componentMetadata.",
        "文件是可用 YAML 安全加载器读取的 ODA 组件规范：纯 YAML，apiVersion 为 oda.tmforum.org/…，kind 为 Component，"
        "且 spec 映射中含 componentMetadata。",
        "Make {$this} a component specification: apiVersion: oda.tmforum.org/v1, kind: Component, and "
        "spec.componentMetadata (no YAML tags).",
        "请把 {$this} 写成组件规范：apiVersion: oda.tmforum.org/v1、kind: Component，并在 spec 下写 componentMetadata"
        "（不用 YAML 标签）。"),
    "oda-spec-002": ("violation",
        "componentMetadata has an id (one component per id among the files given), a name, a version and a "
        "status of production, preview or roadmap.",
        "componentMetadata 含 id（所给文件中每个 id 只对应一个组件）、name、version，以及取值为 production、preview "
        "或 roadmap 的 status。",
        "Complete the componentMetadata of {$this}: id, name, version, and status production, preview or roadmap.",
        "请补全 {$this} 的 componentMetadata：id、name、version，以及取值为 production、preview 或 roadmap 的 status。"),
    "oda-spec-003": ("violation",
        "Every eTOMs, SIDs and functionalFrameworkFunctions entry is written ID|Name_Token|vNN.N.",
        "eTOMs、SIDs 和 functionalFrameworkFunctions 的每一项都写成 ID|Name_Token|vNN.N。",
        "Write the entries of {$this} as ID|Name_Token|vNN.N, e.g. 1.4.5|Service_Activation_Management|v25.5.",
        "请把 {$this} 的条目写成 ID|Name_Token|vNN.N，例如 1.4.5|Service_Activation_Management|v25.5。"),
    "oda-spec-004": ("violation",
        "Every exposed or dependent API has an id such as TMF620 and a boolean required; every published or "
        "subscribed event entry has a name.",
        "每个对外提供或依赖的 API 都有形如 TMF620 的 id 和布尔值 required；每个发布或订阅的事件条目都有 name。",
        "Give each API entry of {$this} an id such as TMF620 and required: true or false (events: a name).",
        "请为 {$this} 的每个 API 条目写上形如 TMF620 的 id 和 required: true 或 false（事件条目：name）。"),
    "oda-spec-005": ("violation",
        "Every SIDs entry names a SID domain that the bundled component specifications use.",
        "SIDs 的每一项都使用内置组件规范中出现过的 SID 域。",
        "Name one of the SID domains of the bundled specifications in the SIDs entries of {$this}.",
        "请在 {$this} 的 SIDs 条目中使用内置规范中的某个 SID 域。"),
}  # fmt: skip

STRUCTURE_RULES: dict[str, Rule] = {
    rule_id: Rule(rule_id, severity, "structure", {"en": what_en, "zh": what_zh}, {"en": fix_en, "zh": fix_zh}, source)
    for table, source in ((_TABLE, SOURCE), (_ODA_TABLE, ODA_SOURCE))
    for rule_id, (severity, what_en, what_zh, fix_en, fix_zh) in table.items()
}


def register_rules(rules: list[Rule]) -> None:
    """Add the rules of another reader (e.g. ODA component specs) to the rule book; ids stay unique."""
    for rule in rules:
        if STRUCTURE_RULES.get(rule.id, rule) != rule:
            raise ValueError(f"rule id {rule.id!r} is already taken")
        STRUCTURE_RULES[rule.id] = rule


def finding_at(
    rule_id: str,
    severity: str,
    focus: str,
    message: str,
    fix: str = "",
    file: str | None = None,
    line: int | None = None,
) -> Finding:
    """:func:`finding` with the arguments in the order the readers of :mod:`etomkg.imports.extension` give them."""
    return finding(rule_id, key=focus, file=file, line=line, detail=message, fix=fix, severity=severity)


def structure_rules() -> list[Rule]:
    return list(STRUCTURE_RULES.values())


def finding(
    rule_id: str,
    *,
    key: str,
    file: str | None,
    line: int | None,
    detail: str = "",
    fix: str = "",
    value: str | None = None,
    identifier: str | None = None,
    severity: str | None = None,
    names: tuple[tuple[str, str], ...] = (),
) -> Finding:
    """A finding of a structural rule: ``detail`` and ``fix`` are the English texts for this very element;
    other languages use the rule's message with ``{$this}`` and ``{?value}`` filled in."""
    rule = STRUCTURE_RULES[rule_id]
    return Finding(
        rule,
        severity or rule.severity,
        Focus(key, identifier if identifier is not None else key, names, file=file),
        value_text=value,
        detail=(("en", detail),) if detail else (),
        fix=(("en", fix),) if fix else (),
        line=line,
    )


__all__ = ["ODA_SOURCE", "STRUCTURE_RULES", "finding", "finding_at", "register_rules", "structure_rules"]
