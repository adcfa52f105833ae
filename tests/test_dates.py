"""Dates in OCR'd Chinese text: every printed form, OCR confusions, periods, impossible dates and
numbers that are not dates (extract/dates.py)."""
import pytest

from extract.dates import DateMatch, find_dates, find_ranges, find_years, parse_date


def only(text: str) -> DateMatch:
    dates = find_dates(text)
    assert len(dates) == 1, dates
    return dates[0]


@pytest.mark.parametrize("text, value", [
    ("2024年11月25日", "2024-11-25"),
    ("2024年11月25号", "2024-11-25"),
    ("2024 年 6 月 17 日", "2024-06-17"),
    ("2024年 11月 25 日", "2024-11-25"),
    ("2024.11.25", "2024-11-25"),
    ("2024.1.5", "2024-01-05"),
    ("2024-11-25", "2024-11-25"),
    ("2024/11/25", "2024-11-25"),
    ("2024/1/9", "2024-01-09"),
    ("2024 . 11 . 25", "2024-11-25"),
    ("二〇二四年十一月二十五日", "2024-11-25"),
    ("二○二四年十一月二十五日", "2024-11-25"),  # ○ U+25CB as zero
    ("二零二四年一月三日", "2024-01-03"),
    ("贰零贰肆年壹拾壹月贰拾伍日", "2024-11-25"),
    ("一九八九年六月十七日", "1989-06-17"),
    ("二〇二四年十月二十日", "2024-10-20"),
    ("二〇二四年十二月三十一日", "2024-12-31"),
    ("二〇〇七年九月十日", "2007-09-10"),
    ("二〇二四年元月五日", "2024-01-05"),
    ("２０２４年１１月２５日", "2024-11-25"),
    ("２０２４．１１．２５", "2024-11-25"),
    ("２０２４－１１－２５", "2024-11-25"),
    ("二〇二四年11月25日", "2024-11-25"),
    ("2024年十一月二十五日", "2024-11-25"),
    ("1950年1月1日", "1950-01-01"),
    ("2035.12.31", "2035-12-31"),
    ("2024年2月29日", "2024-02-29"),  # leap year
    ("2000年2月29日", "2000-02-29"),
])
def test_full_dates(text, value):
    found = only(text)
    assert (found.value, found.certainty, found.problem) == (value, 1.0, None)
    assert (found.start, found.end, found.text) == (0, len(text), text)
    assert found.year == int(value[:4]) and found.month == int(value[5:7]) and found.day == int(value[8:])


@pytest.mark.parametrize("text, value", [
    ("2013年7月", "2013-07"),
    ("2013.07", "2013-07"),
    ("2013.7", "2013-07"),
    ("2013-07", "2013-07"),
    ("2013/07", "2013-07"),
    ("二〇一三年七月", "2013-07"),
    ("二〇一三年十二月", "2013-12"),
    ("２０１３年７月", "2013-07"),
])
def test_month_only_dates(text, value):
    found = only(text)
    assert (found.value, found.day, found.certainty, found.text) == (value, None, 1.0, text)


@pytest.mark.parametrize("text, printed, value", [
    ("于2012年9月23日起聘任", "2012年9月23日", "2012-09-23"),
    ("2011年7月毕业于太原理工大学", "2011年7月", "2011-07"),
    ("至2024年11月29日止", "2024年11月29日", "2024-11-29"),
    ("任职时间：2024年1月起", "2024年1月", "2024-01"),
    ("2024.01.21有限公司", "2024.01.21", "2024-01-21"),
    ("No.2024.11.25", "2024.11.25", "2024-11-25"),
    ("2024年11月25日10:30", "2024年11月25日", "2024-11-25"),
    ("出生日期\n1989年6月17日\n", "1989年6月17日", "1989-06-17"),
    ("2013年7月一直在本单位工作", "2013年7月", "2013-07"),  # 一 after 月 is not the 1st
    ("2013年7月 3万元", "2013年7月", "2013-07"),  # 3 is money, not the day
    ("1 2024年11月25日", "2024年11月25日", "2024-11-25"),  # a row number before the year
    ("身份证号140522199911213515 出生1999年11月21日", "1999年11月21日", "1999-11-21"),
])
def test_dates_inside_text(text, printed, value):
    found = only(text)
    assert found.text == printed and text[found.start:found.end] == printed
    assert found.value == value


def test_several_dates_in_order_with_original_offsets():
    text = "出生：１９８９年６月１７日\n毕业：2011.7\t参加工作 2011年8月1日 ，技术员：二〇一二年九月二十三日"
    found = find_dates(text)
    assert [d.value for d in found] == ["1989-06-17", "2011-07", "2011-08-01", "2012-09-23"]
    assert [text[d.start:d.end] for d in found] == [d.text for d in found]
    assert found[0].text == "１９８９年６月１７日"


def test_a_date_does_not_cross_a_line_break():
    assert [d.value for d in find_dates("2024年1月\n25日")] == ["2024-01"]


@pytest.mark.parametrize("text, value", [
    ("2O24年11月25日", "2024-11-25"),
    ("2o24年11月25日", "2024-11-25"),
    ("2D24年11月25日", "2024-11-25"),
    ("2〇24年11月25日", "2024-11-25"),
    ("2○24.11.25", "2024-11-25"),
    ("2O2O.1O.1O", "2020-10-10"),
    ("20l1年3月4日", "2011-03-04"),
    ("20I1年3月4日", "2011-03-04"),
    ("20|9年3月4日", "2019-03-04"),
    ("2024年l1月2O日", "2024-11-20"),
    ("二O二四年十月一日", "2024-10-01"),
    ("二o一一年七月一日", "2011-07-01"),
    ("二0二四年三月五日", "2024-03-05"),
    ("2024年11月25曰", "2024-11-25"),
    ("二〇二四年十一月二十五曰", "2024-11-25"),
    ("2024午11月25日", "2024-11-25"),  # 午 is OCR's 年 when a whole date surrounds it
])
def test_certain_ocr_repairs(text, value):
    found = only(text)
    assert found.value == value and found.problem is None
    assert 0.9 <= found.certainty < 1.0


def test_month_only_with_o_in_hanzi_year():
    found = only("二o一一年七月")
    assert found.value == "2011-07" and 0.9 <= found.certainty < 1.0


def test_one_lookalike_is_only_repaired_between_digits():
    assert find_dates("201l年3月4日")[0].value is None  # l last: no year, only 3月4日


def test_day_printed_without_ri_is_read_with_lower_certainty():
    found = only("2024年11月25")
    assert found.value == "2024-11-25" and found.certainty == 0.75


@pytest.mark.parametrize("text", ["2024午11月", "2024午11月25"])
def test_noon_is_not_a_year_marker_without_a_whole_date(text):
    assert find_dates(text) == []


@pytest.mark.parametrize("text", [
    "一一年七月一日",  # hanzi year lost its leading characters
    "11年7月1日",  # two-digit year
    "2 8年1月25日",  # a digit lost: not invented
    "12024年3月1日",  # a digit too many
])
def test_damaged_year_is_missing_not_guessed(text):
    found = only(text)
    assert found.value is None and found.year is None and found.problem == "year missing"
    assert found.certainty <= 0.7
    assert found.text == text and (found.month, found.day) is not None


def test_month_and_day_without_year():
    found = only("11月29日")
    assert (found.value, found.year, found.month, found.day, found.problem) == (None, None, 11, 29, "year missing")


@pytest.mark.parametrize("text, problem", [
    ("2024年2月30日", "impossible date 2024-02-30"),
    ("2023年2月29日", "impossible date 2023-02-29"),
    ("1900年2月29日", "impossible date 1900-02-29"),
    ("2024年13月", "impossible date 2024-13"),
    ("2024年13月5日", "impossible date 2024-13-05"),
    ("2024年1月32日", "impossible date 2024-01-32"),
    ("2024年4月31日", "impossible date 2024-04-31"),
    ("2024年0月5日", "impossible date 2024-00-05"),
    ("2024.02.30", "impossible date 2024-02-30"),
    ("2024-13-05", "impossible date 2024-13-05"),
    ("二〇二三年二月二十九日", "impossible date 2023-02-29"),
    ("1949年10月1日", "year 1949 outside 1950-2035"),
    ("2036年1月1日", "year 2036 outside 1950-2035"),
])
def test_impossible_dates_are_reported_not_adjusted(text, problem):
    found = only(text)
    assert found.value is None and found.problem == problem and found.text == text


@pytest.mark.parametrize("text", [
    "0356-4220191",
    "电话：0356-4220191",
    "13912345678",
    "140522199911213515",
    "14052219991121351X",
    "证书编号：20241125001",
    "证书编号 2013-07-0001",
    "2013.07.001",
    "〔2024〕20号",
    "晋人社厅发〔2024〕20号",
    "200元",
    "2013.5万元",
    "2024.11元",
    "12.5%",
    "2024年度",
    "2024年",
    "2019-2020学年",
    "2011-2014年",
    "GB 50011-2010",
    "3个月",
    "十月",
    "第1年",
    "2024 11 25",
])
def test_not_dates(text):
    assert find_dates(text) == []


@pytest.mark.parametrize("text, start, end, printed_end", [
    ("2024年11月25日至11月29日", "2024-11-25", "2024-11-29", "11月29日"),
    ("2024年11月25日至29日", "2024-11-25", "2024-11-29", "29日"),
    ("2024年11月25日~29日", "2024-11-25", "2024-11-29", "29日"),
    ("2024年11月25日～29日", "2024-11-25", "2024-11-29", "29日"),
    ("2024年11月25日到29号", "2024-11-25", "2024-11-29", "29号"),
    ("2024年11月25日—2024年11月29日", "2024-11-25", "2024-11-29", "2024年11月29日"),
    ("2024年11月25日——2024年11月29日", "2024-11-25", "2024-11-29", "2024年11月29日"),
    ("2024年11月25日－2024年11月29日", "2024-11-25", "2024-11-29", "2024年11月29日"),
    ("2024年11月25日一2024年11月29日", "2024-11-25", "2024-11-29", "2024年11月29日"),  # — read as 一
    ("2024-11-28至2024-12-05", "2024-11-28", "2024-12-05", "2024-12-05"),
    ("2024-11-28-2024-12-05", "2024-11-28", "2024-12-05", "2024-12-05"),
    ("2024.11.25-2024.11.29", "2024-11-25", "2024-11-29", "2024.11.29"),
    ("2024.11.25 - 2024.11.29", "2024-11-25", "2024-11-29", "2024.11.29"),
    ("2024.11.25-29", "2024-11-25", "2024-11-29", "29"),
    ("2024.11.25-12.05", "2024-11-25", "2024-12-05", "12.05"),
    ("2024年11月28日至12月5日", "2024-11-28", "2024-12-05", "12月5日"),
    ("二〇〇七年九月至二〇一一年七月", "2007-09", "2011-07", "二〇一一年七月"),
    ("2007年9月至2011年7月", "2007-09", "2011-07", "2011年7月"),
    ("2007年9月至12月", "2007-09", "2007-12", "12月"),
    ("2013.07-2016.07", "2013-07", "2016-07", "2016.07"),
    ("2013-07-2016-07", "2013-07", "2016-07", "2016-07"),
    ("２０２４．１１．２５～２０２４．１１．２９", "2024-11-25", "2024-11-29", "２０２４．１１．２９"),
])
def test_ranges(text, start, end, printed_end):
    (found,) = find_ranges(text)
    assert (found.start.value, found.end.value) == (start, end)
    assert found.end.text == printed_end and text[found.end.start:found.end.end] == printed_end
    assert found.span == (0, len(text))


@pytest.mark.parametrize("text, start, end", [
    ("自2011/9/23至2012/9/22", "2011-09-23", "2012-09-22"),
    ("自2011年9月23日起至2012年9月22日止", "2011-09-23", "2012-09-22"),
    ("从2024年11月25日到2024年11月29日止", "2024-11-25", "2024-11-29"),
    ("自2024年11月25日起至29日止", "2024-11-25", "2024-11-29"),
    ("自 2024年11月25日 起 至 2024年11月29日 为止", "2024-11-25", "2024-11-29"),
])
def test_ranges_from_to(text, start, end):
    (found,) = find_ranges(text)
    assert (found.start.value, found.end.value) == (start, end)
    assert found.span == (0, len(text))


def test_range_inside_a_sentence_keeps_its_span():
    text = "公示时间：2024年11月25日至2024年11月29日，公示期间无异议。"
    (found,) = find_ranges(text)
    assert text[found.span[0]:found.span[1]] == "2024年11月25日至2024年11月29日"
    assert found.start.start == found.span[0] and found.end.end == found.span[1]


def test_range_end_before_start_is_returned_as_printed():
    (found,) = find_ranges("2024年11月29日至2024年11月25日")
    assert (found.start.value, found.end.value) == ("2024-11-29", "2024-11-25")


def test_range_end_carries_year_and_month_only_when_omitted():
    (found,) = find_ranges("2024年12月28日至1月3日")  # printed as is: the verifier judges
    assert (found.end.year, found.end.month, found.end.day, found.end.value) == (2024, 1, 3, "2024-01-03")


def test_range_with_impossible_end_keeps_the_problem():
    (found,) = find_ranges("2024年2月25日至30日")
    assert found.end.value is None and found.end.problem == "impossible date 2024-02-30"


def test_range_with_damaged_year_does_not_borrow_one():
    (found,) = find_ranges("2024年11月25日至2 8年1月3日")
    assert found.end.value is None and found.end.problem == "year missing"


@pytest.mark.parametrize("text", [
    "2024年11月25日至今",
    "2024年11月25日",
    "2024年度—2025年度",
    "2024年11月25日一九八九年",  # 一 before a hanzi year is not a dash
])
def test_not_ranges(text):
    assert find_ranges(text) == []


def test_two_ranges_in_one_text():
    found = find_ranges("2007.09-2011.07 太原理工大学；2011.07-2024.11 某煤业公司")
    assert [(r.start.value, r.end.value) for r in found] == [("2007-09", "2011-07"), ("2011-07", "2024-11")]


@pytest.mark.parametrize("cell, value, certainty", [
    ("2024年11月25日", "2024-11-25", 1.0),
    ("  2024.11.25 ", "2024-11-25", 1.0),
    ("1989.06", "1989-06", 1.0),
    ("19891213", "1989-12-13", 0.9),  # a bare cell of digits
    ("201307", "2013-07", 0.9),
    ("2024-11-25 00:00:00", "2024-11-25", 1.0),
    ("2024年11月25日（2024.11.25）", "2024-11-25", 1.0),
])
def test_parse_date(cell, value, certainty):
    found = parse_date(cell)
    assert found is not None and (found.value, found.certainty) == (value, certainty)
    assert cell[found.start:found.end] == found.text


@pytest.mark.parametrize("cell", ["", "无", "2024年度", "19891313", "140522199911213515",
                                  "2024年11月25日至2024年11月29日", "11月25日 11月26日"])
def test_parse_date_none(cell):
    assert parse_date(cell) is None


def test_find_years():
    text = "2021年度 合格\n2022年 优秀\n2023 称职\n二〇二〇年度\n2024年11月25日"
    years = find_years(text)
    assert [y for y, _, _ in years] == [2021, 2022, 2023, 2020, 2024]
    assert [text[s:e] for _, s, e in years] == ["2021年度", "2022年", "2023", "二〇二〇年度", "2024年"]


@pytest.mark.parametrize("text", ["2013.5万元", "0356-2023", "140522199911213515", "1949年", "2036年度",
                                  "12023", "200元"])
def test_find_years_ignores_other_numbers(text):
    assert find_years(text) == []


@pytest.mark.parametrize("text, value", [("自2021.09:01起", "2021-09-01"), ("2024.12:18", "2024-12-18"),
                                         ("2024.12,18", "2024-12-18")])
def test_second_dot_read_as_colon_or_comma_is_repaired_with_lower_certainty(text, value):
    (m,) = find_dates(text)
    assert m.value == value and m.certainty < 1.0


def test_mixed_separators_other_than_dot_are_not_read():
    assert all(m.day is None for m in find_dates("2024-12:18"))


@pytest.mark.parametrize("text, implied", [
    ("二〇二四年十一月二十二日", "〇"), ("二○二四年十一月二十八日", "○"), ("二O二四年十一月", "O"),
    ("1993年7月1日", "9"), ("2O24.11.25", "O"), ("公示期2024年11月27日", "0"), ("一九九八年七月一日", "九"),
])
def test_the_second_digit_of_a_year_is_implied_by_the_first(text, implied):
    (m,) = find_dates(text)
    assert m.value is not None
    assert [text[i] for i in m.implied] == [implied]


@pytest.mark.parametrize("text", ["二二四年五月一日", "2124年3月1日", "11月29日", "1949年10月1日"])
def test_no_digit_is_implied_where_the_year_is_not_read(text):
    assert all(m.implied == () for m in find_dates(text))


def test_implied_digits_are_those_of_each_date_of_a_period():
    text = "公示时间：2024年11月27日至2024年12月4日"
    (r,) = find_ranges(text)
    assert [text[i] for i in r.start.implied + r.end.implied] == ["0", "0"]
    assert r.start.implied[0] == text.index("2024") + 1 and r.end.implied[0] == text.rindex("2024") + 1


@pytest.mark.parametrize("text", ["公示时间 2024-11-28至:2024-12-04", "公示时间 2024-11-28 至： 2024-12-04",
                                  "公示时间 2024年11月28日至·2024年12月4日"])
def test_a_speck_read_as_a_colon_after_the_separator_keeps_the_period(text):
    (r,) = find_ranges(text)
    assert (r.start.value, r.end.value) == ("2024-11-28", "2024-12-04")
