"""Cross-checks (issue 4): declared values against the evidence, evidence against evidence, and the
deciding documents a dossier lacks. Clauses 五(二) (材料真实) and 四(三) (逐级审核申报).

- DECL.MISMATCH: a value the applicant declared (review form, the unit's 汇总表) that the evidence
  contradicts, or two declarations that contradict each other. One finding per field.
- DOC.INCONSISTENT: two evidence documents (of different types, or in different files) that contradict
  each other on a field. One finding per field.
- EVID.MISSING: a document a condition of the notice needs is absent; `field` is the document type.

Real OCR output slips a character now and then, and extraction sometimes takes a neighbouring word
with a value. A reading accuses nobody unless it is confident (at or above `rules.ocr_low_confidence`;
a weakly read bracket or dot among certain characters does not count against it) and its difference
cannot be such a slip:
- one character apart: against a declaration, only when two evidence documents show the same other
  value (one digit of a date: when the declaration is certain); between two documents, only for a name
  or a date both read without doubt (`OCR_SLIP_CONFIDENCE`), never for a school, major or employer;
- a value that is part of the other (a truncated cell, a label read with the value, a declared
  abbreviation) is no contradiction, except between two documents where the longer one adds a
  bracketed qualifier (采矿工程（煤矿方向）: a different programme); an evidence value shorter than the
  declaration contradicts it only when two documents show it;
- a unit's name is compared without its place and legal form (阳城县…有限公司 / 山西阳城…公司);
- a declared value that any confident evidence reading shows is not a mismatch: where documents
  disagree among themselves that is DOC.INCONSISTENT's to say, not the applicant's fault;
- a "name" that is no person's name (a word of the surrounding sentence, 以下) read on one document
  only is ignored.
Documents of different education levels (a bachelor's and a master's diploma) are not compared on
school, major or dates; expected differences (an appraisal's employer, a previous employer on a
probation form, the publicity photo against the record) are not compared at all.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field as dc_field

from core.records import Dossier, Evidence, ExtractedValue, Finding
from extract.values import id_checksum_ok
from verify.catalogue import finding
from verify.checks import check
from verify.facts import day as _day, month as _month, value as _value, zh as _zh
from verify.rules import NoticeRules

# --- parameters (module defaults until the rules file carries them: getattr(rules, name, default)) -----
# A one-character difference is a contradiction only when both readings are at least this certain.
OCR_SLIP_CONFIDENCE = 0.95
# The diploma's issue date, the CHSI record's 毕业日期 and a declared 毕业时间 may name neighbouring days
# (6月30日 / 7月1日): graduation dates this close agree.
GRADUATION_TOLERANCE_DAYS = 31

DOC_ZH = {
    "review_form": "评审表", "summary_table": "申报汇总表", "publicity_record": "三公示纪实表",
    "publicity_photo": "公示现场照片", "id_card": "身份证", "diploma": "毕业证书", "degree_certificate": "学位证书",
    "chsi_report": "学历电子注册备案表", "appointment": "技术员聘任文件", "probation": "见习期满考核表",
    "appraisal": "年度考核表", "ce_certificate": "继续教育证明", "work_report": "专业技术工作总结",
    "unit_opinion": "单位鉴定意见", "commitment": "承诺书", "other": "其他材料",
}
FIELD_ZH = {
    "name": "姓名", "sex": "性别", "id_number": "身份证号", "birth_date": "出生日期", "graduation_date": "毕业时间",
    "work_start_date": "参加工作时间", "technician_date": "任技术员时间", "probation_end_date": "见习期满时间",
    "education": "学历", "degree": "学位", "school": "毕业院校", "major": "所学专业", "employer": "工作单位",
    "specialty": "申报专业", "appraisals": "年度考核", "ce_hours": "继续教育学时", "publicity_start": "公示开始时间",
    "publicity_end": "公示结束时间",
    "submission_date": "申报材料日期", "employer_type": "单位性质", "probation_passed": "见习期考核合格",
    "report_present": "专业技术工作总结", "opinion_present": "单位鉴定意见", "applicant_signed": "申报人签字",
    "unit_signed": "单位签章", "opinion_itemized": "鉴定意见逐项说明", "opinion_date": "鉴定意见日期",
    "photo_taken": "公示照片拍摄时间", "publicity_items": "公示内容", "report_sections": "总结报告内容",
    "work_specialties": "从事专业（材料所述）", "discipline": "处分情况",
}
EDUCATION_ZH = {"doctorate": "博士研究生", "master": "硕士研究生", "second_bachelor": "第二学士学位", "bachelor": "大学本科",
                "junior_college": "大学专科", "secondary": "中专", "below_secondary": "中专以下"}
DEGREE_ZH = {"doctor": "博士学位", "master": "硕士学位", "bachelor": "学士学位"}
DEGREE_LEVEL = {"doctor": "doctorate", "master": "master", "bachelor": "bachelor"}
DECLARED_DOCS = ("review_form", "summary_table")

DATE_FIELDS = ("birth_date", "graduation_date", "work_start_date", "technician_date", "probation_end_date",
               "publicity_start", "publicity_end")
CODE_FIELDS = ("sex", "education", "degree")
TEXT_FIELDS = ("name", "school", "major", "employer", "specialty")
YEAR_FIELDS = ("appraisals", "ce_hours")
DECL_FIELDS = ("name", "sex", "id_number", "birth_date", "graduation_date", "work_start_date", "technician_date",
               "probation_end_date", "education", "degree", "school", "major", "employer", "specialty", "appraisals",
               "ce_hours", "publicity_start", "publicity_end")
# Which documents' readings are compared with a declaration (None: every document that shows the field).
# The employer: only the record of the publicity the current unit held (an appraisal or probation form
# may come from an earlier employer).
DECL_SOURCES: dict[str, tuple[str, ...] | None] = {"employer": ("publicity_record",)}
# Evidence against evidence: the field and the documents compared.
DOC_SOURCES: dict[str, tuple[str, ...]] = {
    "name": ("id_card", "diploma", "degree_certificate", "chsi_report", "appraisal", "probation", "appointment",
             "publicity_record"),
    "sex": ("id_card", "diploma", "degree_certificate", "chsi_report", "appraisal", "probation"),
    "birth_date": ("id_card", "diploma", "degree_certificate", "chsi_report"),
    "id_number": ("id_card", "chsi_report"),
    "school": ("diploma", "degree_certificate", "chsi_report", "probation"),
    "major": ("diploma", "degree_certificate", "chsi_report", "probation"),
    "graduation_date": ("diploma", "chsi_report"),
}
# The order documents are named in a message (the most trusted first).
ORDER: dict[str, tuple[str, ...]] = {**DOC_SOURCES, "employer": ("publicity_record",),
                                     "specialty": ("publicity_record", "unit_opinion", "publicity_photo")}
LEVEL_FIELDS = ("school", "major", "graduation_date")  # belong to one course of study: compare within a level
GRADE_TIER = {"优秀": "优秀", "合格": "合格", "称职": "合格", "基本合格": "基本合格", "基本称职": "基本合格",
              "不合格": "不合格", "不称职": "不合格", "不确定": "不确定"}
PUNCT = set("·•・.。,，、:：;；'\"“”‘’-—_/\\|*#")
BRACKETS = set("()[]{}<>")
# Common Chinese surnames (单姓 and 复姓): a "name" that starts with none of them and is read on one
# document only is a word of the surrounding text (聘任以下同志 → 以下), not a person's name.
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊"
    "葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝"
    "路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全"
    "佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢"
    "劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都"
    "普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束"
    "檀衣信展阴昝智幸奉植衡富尧闭由")
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
                     "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延", "澹台", "公冶", "太史", "申屠")


# --- readings ---------------------------------------------------------------------------------------------

@dataclass
class Reading:
    """One reading of a field from one document (or one declaration), as compared here."""
    value: object  # normalised for comparison
    raw: object  # as extracted
    doc: str  # document type
    where: tuple[str | None, int | None]  # (file, page)
    conf: float
    evidence: tuple[Evidence, ...]


@dataclass
class Group:
    """The readings of one value."""
    value: object
    readings: list[Reading] = dc_field(default_factory=list)

    @property
    def places(self) -> set[tuple]:
        return {(r.doc, r.where[0]) for r in self.readings}

    @property
    def instances(self) -> set[tuple]:
        return {(r.doc, r.where) for r in self.readings}

    @property
    def conf(self) -> float:
        return max(r.conf for r in self.readings)

    @property
    def docs(self) -> set[str]:
        return {r.doc for r in self.readings}

    @property
    def raw(self):
        return max(self.readings, key=lambda r: r.conf).raw


def _norm(field: str, value):
    if value is None:
        return None
    if field in TEXT_FIELDS:
        text = "".join(unicodedata.normalize("NFKC", str(value)).split())
        text = "".join(ch for ch in text if ch not in PUNCT)
        if field == "major" and text.endswith("专业") and len(text) > 2:
            text = text[:-2]
        return text or None
    if field == "id_number":
        return str(value).strip().upper()
    return value


class _Pages:
    """Per-character confidences of the OCR'd words behind a reading."""

    def __init__(self, dossier: Dossier):
        self.pages = {(p.file, p.page): p for p in dossier.pages}

    def content_confidence(self, v: ExtractedValue) -> float:
        """The reading's confidence with punctuation glyphs left out: a weakly read bracket or dot does
        not make the characters of a school or a major uncertain. Only where the pattern was certain (no
        note) and the words behind the reading's boxes can be found; else the reading's confidence."""
        if v.note or not v.evidence or not isinstance(v.value, str):
            return v.confidence
        confs, spelled = [], ""
        for e in v.evidence:
            page = self.pages.get((e.file, e.page))
            if page is None or e.bbox is None:
                return v.confidence
            x0, y0, x1, y1 = e.bbox
            inside = [w for line in page.lines for w in line.words
                      if x0 - 2 <= (w.bbox[0] + w.bbox[2]) / 2 <= x1 + 2 and y0 - 2 <= (w.bbox[1] + w.bbox[3]) / 2 <= y1 + 2]
            content = [w for w in inside if any(ch.isalnum() for ch in w.text)]
            if not content:
                return v.confidence
            confs.append(min(w.confidence for w in content))
            spelled += "".join(w.text for w in content)
        # the words must spell the value (else they are not what was read: a second look, another line)
        if _plain(spelled) != _plain(v.value):
            return v.confidence
        return max(v.confidence, min(confs))


def _plain(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isalnum())


def _reading(field: str, v: ExtractedValue, pages: _Pages, value=None) -> Reading | None:
    raw = v.value if value is None else value
    norm = _norm(field, raw)
    if norm is None:
        return None
    e = v.evidence[0] if v.evidence else None
    return Reading(norm, raw, v.document or "", (e.file if e else None, e.page if e else None),
                   pages.content_confidence(v), tuple(v.evidence))


def _found(dossier: Dossier, field: str, rules: NoticeRules, pages: _Pages,
           sources: tuple[str, ...] | None = None) -> list[Reading]:
    """The confident found readings of `field` (from `sources` only, when given)."""
    out = []
    for v in dossier.values:
        if v.field != field or v.origin != "found" or v.value is None:
            continue
        if sources is not None and v.document not in sources:
            continue
        r = _reading(field, v, pages)
        if r is not None and r.conf >= rules.ocr_low_confidence:
            out.append(r)
    if field == "name":
        out = _names_only(out)
    return out


def _names_only(readings: list[Reading]) -> list[Reading]:
    """Drop "names" that are no person's name, unless two documents read the same."""
    places: dict[object, set] = {}
    for r in readings:
        places.setdefault(r.value, set()).add((r.doc, r.where[0]))
    return [r for r in readings if _name_like(str(r.value)) or len(places[r.value]) >= 2]


def _name_like(text: str) -> bool:
    return (2 <= len(text) <= 5 and all("\u4e00" <= ch <= "\u9fff" for ch in text)
            and (text[0] in SURNAMES or text.startswith(COMPOUND_SURNAMES)))


def _from_id_numbers(dossier: Dossier, rules: NoticeRules, pages: _Pages) -> dict[str, list[Reading]]:
    """Birth date and sex as a checksum-valid ID number read on a document states them."""
    out: dict[str, list[Reading]] = {"birth_date": [], "sex": []}
    for v in dossier.values:
        if v.field != "id_number" or v.origin != "found" or not isinstance(v.value, str):
            continue
        number = v.value.upper()
        if not id_checksum_ok(number):
            continue
        try:
            born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])).isoformat()
        except ValueError:
            continue
        for name, derived in (("birth_date", born), ("sex", "男" if int(number[16]) % 2 else "女")):
            r = _reading(name, v, pages, derived)
            if r is not None and r.conf >= rules.ocr_low_confidence:
                out[name].append(r)
    return out


def _group(readings: Iterable[Reading]) -> list[Group]:
    groups: dict[object, Group] = {}
    for r in readings:
        groups.setdefault(_key(r.value), Group(r.value)).readings.append(r)
    return list(groups.values())


def _key(value):
    return tuple(sorted((str(k), str(v)) for k, v in value.items())) if isinstance(value, dict) else value


# --- comparing two values -----------------------------------------------------------------------------------

AGREE, COMPATIBLE, CONTRADICT = "agree", "compatible", "contradict"


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return len(short) < len(long) and all(ch in it for ch in short)


def _distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _extra_is_qualifier(short: str, long: str) -> bool:
    """The longer value adds a bracketed qualifier: 城市地下空间工程(煤矿方向) against 城市地下空间工程."""
    extra = list(long)
    for ch in short:  # remove the shorter one's characters, in order
        if ch in extra:
            extra.remove(ch)
    return any(ch in BRACKETS for ch in extra) and sum(ch not in BRACKETS for ch in extra) >= 2


def _dates_close(a: str, b: str, days: int) -> bool:
    da, db = _day(a), _day(b)
    if da and db:
        return abs((da - db).days) <= days
    ma, mb = _month(a), _month(b)
    if ma and mb:
        return abs((ma[0] * 12 + ma[1]) - (mb[0] * 12 + mb[1])) <= max(1, round(days / 31))
    return False


def _compare(field: str, a: Reading | Group, b: Group, *, declared: bool, rules: NoticeRules) -> str:
    """How value `b` (evidence) stands to `a` (a declaration when `declared`, else other evidence)."""
    slip = rules.ocr_slip_confidence
    va, vb = a.value, b.value
    if _key(va) == _key(vb):
        return AGREE
    a_conf = a.conf
    # "corroborated": two places show the evidence's value (no OCR slip repeats itself); "certain": both read
    # with no doubt at all
    corroborated = len(b.places) >= 2
    certain = a_conf >= slip and b.conf >= slip
    if field in DATE_FIELDS:
        sa, sb = str(va), str(vb)
        n = min(len(sa), len(sb))
        if sa[:n] == sb[:n]:
            return AGREE
        if field == "graduation_date" and _dates_close(sa, sb, rules.graduation_date_tolerance_days):
            return AGREE
        # one digit apart: an OCR slip unless both sides are certain (a typed declaration against a confident
        # reading; two documents both read without doubt)
        if sum(x != y for x, y in zip(sa[:n], sb[:n])) == 1 and not (a_conf >= slip if declared else certain):
            return COMPATIBLE
        return CONTRADICT
    if field in CODE_FIELDS:
        # a second bachelor's degree is studied for as a 本科 course: its diploma reads 本科
        return COMPATIBLE if {va, vb} == {"second_bachelor", "bachelor"} else CONTRADICT
    if field == "id_number":
        sa, sb = str(va), str(vb)
        if len(sa) == len(sb) and sum(x != y for x, y in zip(sa, sb)) == 1:
            if not (id_checksum_ok(sa) and id_checksum_ok(sb)) or not (certain or (corroborated and a_conf >= slip)):
                return COMPATIBLE
        return CONTRADICT
    if field == "employer":
        return _compare_employers(str(va), str(vb))
    if field in TEXT_FIELDS:
        sa, sb = str(va), str(vb)
        short, long = (sa, sb) if len(sa) < len(sb) else (sb, sa)
        if _subsequence(short, long):
            if not declared:  # two documents: a cell cut short or a label read with the value, unless the
                # longer one adds a bracketed qualifier (another programme)
                return CONTRADICT if _extra_is_qualifier(short, long) else COMPATIBLE
            if short == sa:
                return COMPATIBLE  # a declared abbreviation, or evidence read with a label beside the value
            # the evidence is shorter than the declaration: a cell cut short, unless two documents show it
            return CONTRADICT if corroborated and a_conf >= slip else COMPATIBLE
        if _distance(sa, sb) == 1:
            if declared:
                return CONTRADICT if corroborated and a_conf >= slip else COMPATIBLE
            # two documents: a name is its two or three characters, so one of them differing is another name
            # when both are read without doubt; in a school or a major it is a slip
            return CONTRADICT if field == "name" and certain else COMPATIBLE
        return CONTRADICT
    return CONTRADICT if str(va) != str(vb) else AGREE


EMPLOYER_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "公司", "集团")
PLACE_ENDS = "省市县区"


def _employer_core(name: str) -> str:
    """A unit's name without its place prefix (山西省阳城县) and its legal form (有限公司): units print their
    own name in several ways."""
    core = name
    for _ in range(3):  # 山西省 晋城市 阳城县
        cut = next((i for i, ch in enumerate(core[:5]) if ch in PLACE_ENDS), None)
        if cut is None or cut == len(core) - 1:
            break
        core = core[cut + 1:]
    for suffix in EMPLOYER_SUFFIXES:
        if core.endswith(suffix) and len(core) > len(suffix) + 1:
            core = core[: -len(suffix)]
            break
    return core


def _common(a: str, b: str) -> int:
    """Length of the longest common subsequence."""
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0]
        for j, cb in enumerate(b, 1):
            cur.append(prev[j - 1] + 1 if ca == cb else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]


def _compare_employers(a: str, b: str) -> str:
    """Two printings of a unit's name are one unit unless, place and legal form aside, they share no more
    than half their characters (润丰煤业 / 东岭煤业 are two units; 阳城县华晟燃气输配有限公司 /
    山西阳城华晟燃气有限公司 are one)."""
    ca, cb = _employer_core(a), _employer_core(b)
    if ca == cb:
        return AGREE
    if _distance(ca, cb) <= 1:
        return COMPATIBLE  # an OCR slip
    while ca and cb and ca[0] == cb[0]:  # a place both name (山西阳城) says nothing about the unit
        ca, cb = ca[1:], cb[1:]
    if not ca or not cb:
        return COMPATIBLE
    return COMPATIBLE if _common(ca, cb) * 2 > min(len(ca), len(cb)) else CONTRADICT


# --- showing values ---------------------------------------------------------------------------------------------

def _show(field: str, value) -> str:
    if value is None:
        return "（空）"
    if field in DATE_FIELDS:
        return _zh(str(value))
    if field == "education":
        return EDUCATION_ZH.get(value, str(value))
    if field == "degree":
        return DEGREE_ZH.get(value, str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):  # appraisals, CE hours: year by year, an unread year as ？
        return "；".join(f"{k}年{'度' if field == 'appraisals' else ''}{'？' if v is None else v}" for k, v in value.items())
    return str(value)


def _docs_zh(readings: Iterable[Reading], order: tuple[str, ...] = ()) -> str:
    docs = list(dict.fromkeys(r.doc for r in readings))
    docs.sort(key=lambda d: order.index(d) if d in order else len(order))
    return "、".join(DOC_ZH.get(d, d) for d in docs)


def _evidence(*groups: Iterable[Reading], limit: int = 5) -> tuple[Evidence, ...]:
    out: list[Evidence] = []
    for readings in groups:
        for r in readings:
            for e in r.evidence[:1]:
                if e not in out:
                    out.append(e)
    return tuple(out[:limit])


# --- DECL.MISMATCH ---------------------------------------------------------------------------------------------

def _declared(dossier: Dossier, field: str, rules: NoticeRules, pages: _Pages) -> list[Reading]:
    """The field's declarations (review form first, then the 汇总表), read with confidence."""
    out = []
    for source in DECLARED_DOCS:
        for v in dossier.values:
            if v.field == field and v.origin == "declared" and v.document == source and v.value not in (None, {}):
                r = _reading(field, v, pages)
                if r is not None and r.conf >= rules.ocr_low_confidence:
                    out.append(r)
                break
    return out


@check("cross.declared", emits=("DECL.MISMATCH",))
def declared_mismatch(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """DECL.MISMATCH: a declared value that no confident evidence reading shows and one contradicts; or the
    review form and the 汇总表 declaring different values. One finding per field (五(二))."""
    pages = _Pages(dossier)
    derived = _from_id_numbers(dossier, rules, pages)
    out = []
    for name in DECL_FIELDS:
        declared = _declared(dossier, name, rules, pages)
        if not declared:
            continue
        if name in YEAR_FIELDS:
            f = _declared_years(dossier, name, declared, rules, pages)
        else:
            evidence = _found(dossier, name, rules, pages, DECL_SOURCES.get(name)) + derived.get(name, [])
            f = _declared_value(name, declared, _group(evidence), rules)
        if f is not None:
            out.append(f)
    return out


def _declared_value(name: str, declared: list[Reading], groups: list[Group], rules: NoticeRules) -> Finding | None:
    label = FIELD_ZH[name]
    parts: list[str] = []
    shown: list[Reading] = []
    wrong: dict[str, Group] = {}  # declaration → the evidence against it
    for d in declared:
        verdicts = [(g, _compare(name, d, g, declared=True, rules=rules)) for g in groups]
        if any(v == AGREE for _, v in verdicts):
            continue
        against = [g for g, v in verdicts if v == CONTRADICT]
        if against:
            wrong[d.doc] = max(against, key=lambda g: (len(g.places), g.conf))
    said: dict[tuple, list[Reading]] = {}  # (declared value, evidence value) → the declarations
    for d in declared:
        if d.doc in wrong:
            said.setdefault((_key(d.value), _key(wrong[d.doc].value)), []).append(d)
    for ds in said.values():
        g = wrong[ds[0].doc]
        parts.append(f"{'、'.join(DOC_ZH[d.doc] for d in ds)}填写{label}“{_show(name, ds[0].raw)}”，"
                     f"{_docs_zh(g.readings, ORDER.get(name, ()))}为“{_show(name, g.raw)}”")
        shown += [*ds, *g.readings]
    if len(declared) == 2 and not wrong:
        first, second = declared
        one = Group(second.value, [second])
        if _compare(name, first, one, declared=False, rules=rules) == CONTRADICT:
            parts.append(f"评审表填写{label}“{_show(name, first.raw)}”，申报汇总表填写“{_show(name, second.raw)}”，两处申报不一致")
            shown += [first, second]
    if not parts:
        return None
    return finding("DECL.MISMATCH", "；".join(parts) + "（五(二)）", field=name, evidence=_evidence(shown))


def _year_readings(dossier: Dossier, name: str, rules: NoticeRules, pages: _Pages) -> dict[str, list[tuple[object, Reading]]]:
    """Year → the (value, reading) pairs of the confident evidence readings that show that year."""
    out: dict[str, list[tuple[object, Reading]]] = {}
    for v in dossier.values:
        if v.field != name or v.origin != "found" or not isinstance(v.value, dict):
            continue
        r = _reading(name, v, pages)
        if r is None or r.conf < rules.ocr_low_confidence:
            continue
        for year, got in v.value.items():
            if got is not None:
                out.setdefault(str(year), []).append((got, r))
    return out


def _same_year_value(name: str, a, b) -> bool:
    if name == "appraisals":
        return GRADE_TIER.get(str(a), str(a)) == GRADE_TIER.get(str(b), str(b))
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a) == str(b)


def _year_text(name: str, year: str, value) -> str:
    return f"{year}年度{value}" if name == "appraisals" else f"{year}年{value}学时"


def _declared_years(dossier: Dossier, name: str, declared: list[Reading], rules: NoticeRules,
                    pages: _Pages) -> Finding | None:
    """Year by year, for the years both the declaration and a confident evidence reading show."""
    found = _year_readings(dossier, name, rules, pages)
    label = FIELD_ZH[name]
    parts: list[str] = []
    shown: list[Reading] = []
    for d in declared:
        for year, said in sorted((str(y), v) for y, v in d.raw.items()):
            seen = found.get(year, [])
            if said is None or not seen or any(_same_year_value(name, said, got) for got, _ in seen):
                continue
            got, r = max(seen, key=lambda p: p[1].conf)
            parts.append(f"{DOC_ZH[d.doc]}填写{label}{_year_text(name, year, said)}，{DOC_ZH.get(r.doc, r.doc)}为"
                         f"{_year_text(name, year, got)}")
            shown += [d, r]
    if len(declared) == 2:
        first, second = declared
        for year, said in sorted((str(y), v) for y, v in first.raw.items()):
            other = {str(y): v for y, v in second.raw.items()}.get(year)
            if said is None or other is None or _same_year_value(name, said, other):
                continue
            parts.append(f"评审表填写{_year_text(name, year, said)}，申报汇总表填写{_year_text(name, year, other)}")
            shown += [first, second]
    if not parts:
        return None
    return finding("DECL.MISMATCH", "；".join(dict.fromkeys(parts)) + "（五(二)）", field=name, evidence=_evidence(shown))


# --- DOC.INCONSISTENT ---------------------------------------------------------------------------------------------

def _levels(dossier: Dossier, rules: NoticeRules, pages: _Pages) -> dict[tuple, str]:
    """(document type, (file, page)) → the education level that document shows (diploma, CHSI record,
    degree certificate)."""
    out: dict[tuple, str] = {}
    for v in dossier.values:
        if v.origin != "found" or v.value is None or v.field not in ("education", "degree"):
            continue
        level = v.value if v.field == "education" else DEGREE_LEVEL.get(v.value)
        if level is None or v.confidence < rules.ocr_low_confidence:
            continue
        e = v.evidence[0] if v.evidence else None
        out.setdefault((v.document, (e.file if e else None, e.page if e else None)), level)
    return out


def _same_course(a: Reading, b: Reading, levels: dict[tuple, str], several: bool) -> bool:
    """Whether two readings of school / major / graduation date may speak of one course of study."""
    la, lb = levels.get((a.doc, a.where)), levels.get((b.doc, b.where))
    if not several:
        return True
    return la is not None and la == lb


@check("cross.documents", emits=("DOC.INCONSISTENT",))
def documents_inconsistent(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """DOC.INCONSISTENT: two evidence documents (different types, or different files) that contradict each
    other on a field, both read with confidence. One finding per field (五(二))."""
    pages = _Pages(dossier)
    levels = _levels(dossier, rules, pages)
    several = len(set(levels.values())) >= 2
    out = []
    for name, sources in DOC_SOURCES.items():
        readings = _found(dossier, name, rules, pages, sources)
        f = _inconsistent(name, readings, rules, levels if name in LEVEL_FIELDS else {}, several and name in LEVEL_FIELDS)
        if f is not None:
            out.append(f)
    return out


def _apart(a: Group, b: Group, levels: dict[tuple, str], several: bool) -> bool:
    """Some reading of `a` and some of `b` stand on documents of different types or in different files,
    and may speak of the same thing."""
    return any((ra.doc != rb.doc or ra.where[0] != rb.where[0]) and _same_course(ra, rb, levels, several)
               for ra in a.readings for rb in b.readings)


def _inconsistent(name: str, readings: list[Reading], rules: NoticeRules, levels: dict[tuple, str],
                  several: bool) -> Finding | None:
    groups = _group(readings)
    if len(groups) < 2:
        return None
    priority = DOC_SOURCES[name]

    def weight(g: Group):
        best = min((priority.index(d) for d in g.docs if d in priority), default=len(priority))
        return (len(g.instances), -best, g.conf)

    groups.sort(key=weight, reverse=True)
    reference = groups[0]
    against = [g for g in groups[1:] if _apart(reference, g, levels, several)
               and _compare(name, reference, g, declared=False, rules=rules) == CONTRADICT]
    if not against:
        return None
    label = FIELD_ZH[name]
    sides = [f"{_docs_zh(g.readings, priority)}{_where(g)}为“{_show(name, g.raw)}”" for g in against]
    count = len({r.where for r in reference.readings})
    many = f"等{count}份材料" if count > 2 else ""
    message = (f"{label}在材料之间不一致：{_docs_zh(reference.readings, priority)}{many}为“{_show(name, reference.raw)}”，"
               f"{'；'.join(sides)}（五(二)）")
    return finding("DOC.INCONSISTENT", message, field=name,
                   evidence=_evidence(*(g.readings for g in against), reference.readings[:2]))


def _where(g: Group) -> str:
    spots = list(dict.fromkeys(f"{r.where[0].rsplit('/', 1)[-1]}第{r.where[1]}页" for r in g.readings
                               if r.where[0] and r.where[1]))
    return f"（{'、'.join(spots[:2])}）" if spots else ""


# --- EVID.MISSING ---------------------------------------------------------------------------------------------------

TITLE_LINES = 5
EXEMPT_WORDS = {"non_public": ("非公", "民营", "私营", "个体"), "flexible": ("灵活就业",), "freelance": ("自由职业",)}


def _education(dossier: Dossier, rules: NoticeRules) -> str | None:
    """The education level: the found one if it may decide, else the declared one."""
    field = dossier.fields.get("education")
    level, _ = _value(field, rules)
    if level is None and field is not None:
        level = field.declared
    return level


def _employer_type(dossier: Dossier, rules: NoticeRules) -> str | None:
    """employer_type (found, else declared), else the kind a declaration names where it says no appraisal
    materials are provided (非公有制经济组织人员，不提供年度考核材料)."""
    field = dossier.fields.get("employer_type")
    kind, _ = _value(field, rules)
    if kind is None and field is not None:
        kind = field.declared
    if kind is not None:
        return kind
    for v in dossier.values:
        if v.field == "appraisals" and v.origin == "declared" and v.value == {}:
            said = " ".join([*(e.text or "" for e in v.evidence), v.note or ""])
            for k, words in EXEMPT_WORDS.items():
                if any(w in said for w in words):
                    return k
    return None


def _present(dossier: Dossier, *types: str) -> bool:
    return any(d.type in types for d in dossier.documents)


def _lookalikes(dossier: Dossier, *types: str) -> list[tuple[str, int]]:
    """Pages not typed as a document, whose first lines carry a title of one of `types`: the document may
    be there, unrecognised."""
    from extract.classify import load_doctypes, normalise_text

    table = load_doctypes().types
    titles = [t for typ in types if typ in table for t in table[typ].titles]
    typed = {(d.file, p) for d in dossier.documents if d.type != "other" for p in d.pages}
    return [(p.file, p.page) for p in dossier.pages if (p.file, p.page) not in typed
            and any(t in normalise_text(line.text) for line in p.lines[:TITLE_LINES] for t in titles)]


def _unreadable(dossier: Dossier) -> list[str]:
    return [f.path for f in dossier.files if f.status != "ok" or f.issues]


def _mentions(dossier: Dossier, doc_type: str, word: str) -> bool:
    """Whether a page of a `doc_type` document carries `word` (the review form's 双承诺 section)."""
    pages = {(d.file, p) for d in dossier.documents if d.type == doc_type for p in d.pages}
    return any(word in "".join(line.text.split()) for p in dossier.pages if (p.file, p.page) in pages for line in p.lines)


def _missing(dossier: Dossier, doc_type: str, what: str, why: str, clause: str, *alternatives: str,
             said: str = "") -> Finding:
    """EVID.MISSING for `doc_type`; CHECK.UNDECIDED when a page looks like one the classifier missed."""
    lookalikes = _lookalikes(dossier, doc_type, *alternatives)
    if lookalikes:
        where = "、".join(f"{f}第{p}页" for f, p in lookalikes[:3])
        return finding("CHECK.UNDECIDED", f"未识别出{what}，但{where}疑似{what}，请人工确认（{why}，{clause}）",
                       field=doc_type, evidence=[Evidence(file=f, page=p) for f, p in lookalikes[:3]])
    unreadable = _unreadable(dossier)
    maybe = f"；另有文件无法读取（{'、'.join(unreadable[:3])}），请核实是否在其中" if unreadable else ""
    return finding("EVID.MISSING", f"{said}申报材料中未见{what}，{why}无法核实{maybe}（{clause}）", field=doc_type,
                   evidence=[Evidence(file=f) for f in unreadable[:3]])


@check("cross.missing_evidence", emits=("EVID.MISSING", "CHECK.UNDECIDED"))
def missing_evidence(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """EVID.MISSING: a document that a condition needs is absent (四(三)); `field` names its type. Documents
    with a rule of their own (work report, unit opinion, publicity record and photo, CE evidence) are left to
    those rules."""
    out = []
    if not _present(dossier, "id_card"):
        out.append(_missing(dossier, "id_card", "居民身份证", "身份及年龄（二(二)2）", "四(三)"))
    if not _present(dossier, "diploma", "chsi_report", "degree_certificate"):
        out.append(_missing(dossier, "diploma", "毕业证书、学位证书或学历电子注册备案表", "学历条件（三(二)）", "四(三)",
                            "chsi_report", "degree_certificate"))
    edu = _education(dossier, rules)
    kind = _employer_type(dossier, rules)
    exempt = kind in rules.appraisal_exempt_employer_types
    if edu == "bachelor" and not _present(dossier, "probation"):
        out.append(_missing(dossier, "probation", "见习期满考核表", "本科学历见习1年期满并经考核合格的条件（三(三)(2)）",
                            "四(三)"))
    appraisal_due = not exempt and (kind is not None or _present(dossier, "appraisal") or _declares_appraisals(dossier))
    if not _present(dossier, "appointment"):
        if edu in rules.technician_cutoffs:
            cutoff = rules.technician_cutoffs[edu]
            out.append(_missing(dossier, "appointment", "技术员聘任文件",
                                f"{EDUCATION_ZH.get(edu, edu)}学历须于{_zh(cutoff)}前任技术员且聘任的条件（三(三)）", "四(三)"))
        elif appraisal_due and not (edu == "bachelor" and _present(dossier, "probation")):
            out.append(_missing(dossier, "appointment", "现任职务聘任文件", "任现职以来年度考核次数（三(五)）", "四(三)"))
    if not exempt and not _present(dossier, "appraisal") and (kind is not None or _declares_appraisals(dossier)):
        said = "申报表填报了年度考核结果，但" if _declares_appraisals(dossier) else ""
        out.append(_missing(dossier, "appraisal", "年度考核表", "任现职以来年度考核条件（三(五)）", "四(三)", said=said))
    if not _present(dossier, "review_form"):
        out.append(_missing(dossier, "review_form", "专业技术职务任职资格评审表", "申报内容及“双承诺”", "四(三)、五(二)"))
    if not _present(dossier, "commitment") and not _mentions(dossier, "review_form", "承诺"):
        out.append(_missing(dossier, "commitment", "申报人及单位“双承诺”", "申报材料真实性承诺", "五(二)"))
    return out


def _declares_appraisals(dossier: Dossier) -> bool:
    return any(v.field == "appraisals" and v.origin == "declared" and isinstance(v.value, dict)
               and any(g is not None for g in v.value.values()) for v in dossier.values)
