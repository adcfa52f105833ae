"""The applicant's timeline drawn as SVG (reviewers look rather than read).

Two charts: `career_svg` puts the dated events on one time axis from the first of them to the
notice's closing day (birth is far off and is shown in words), appraisal years as coloured boxes and the
publicity period as a bar; `days_svg` draws the weeks around the publicity and the submission window
day by day, working days (State Council schedule, 调休 included) white, rest days grey, the publicity's
working days numbered. Every text is escaped here: the SVG goes into the page as markup.
"""
from __future__ import annotations

import datetime as dt
import logging
from html import escape

from core.records import TimelineEvent
from reports.view import PublicityView, zh_date
from verify.calendar import CalendarUnknown, is_working_day

log = logging.getLogger("dossier.reports")
WIDTH = 940
PASSING = {"优秀": "#2e7d32", "合格": "#43a047", "称职": "#43a047"}
BASIC = {"基本合格": "#f9a825", "基本称职": "#f9a825"}
SOURCE_COLOUR = {"found": "#1565c0", "declared": "#ef6c00", "notice": "#616161"}
FONT = 'font-family="Noto Sans CJK SC, WenQuanYi Zen Hei, sans-serif"'


def _day(e: TimelineEvent) -> dt.date:
    parts = [int(p) for p in e.date.split("-")]
    if len(parts) == 1:
        return dt.date(parts[0], 7, 1)
    if len(parts) == 2:
        return dt.date(parts[0], parts[1], 15)
    return dt.date(*parts)


# the last weeks' events: the day chart below draws them day by day; the career axis shows one mark
FINAL_KINDS = ("publicity_start", "photo", "publicity_end", "submission", "intake", "window_close")
FINAL_WEEKS = 13


def career_svg(events: list[TimelineEvent]) -> str:
    """Events on one axis (birth left out: the header says it); '' when fewer than two dated events.

    The publicity, its photos, the submission and the notice's days crowd the last weeks: within
    FINAL_WEEKS of the window's close they become one mark (公示与报送, drawn day by day below)."""
    close = next((_day(e) for e in events if e.kind == "window_close"), None)
    final = [e for e in events if e.kind in FINAL_KINDS and close is not None
             and abs((_day(e) - close).days) <= FINAL_WEEKS * 7]
    shown = [e for e in events if e.kind not in ("birth",) and e not in final]
    if final:
        first = min(final, key=_day)
        shown.append(first.model_copy(update={"kind": "final", "label": "公示与报送（见下方日历）", "source": "notice",
                                              "weak": any(e.weak for e in final)}))
    if len(shown) < 2:
        return ""
    days = [_day(e) for e in shown]
    first = min(d for d in days)
    last = max(d for d in days)
    lo = dt.date(first.year, 1, 1)
    hi = dt.date(last.year + (1 if last.month > 6 else 0), 12 if last.month <= 6 else 6, 30)
    span = max((hi - lo).days, 1)
    left, right = 30, WIDTH - 30

    def x(d: dt.date) -> float:
        return left + (right - left) * (d - lo).days / span

    axis_y = 150
    parts = [f'<line x1="{left}" y1="{axis_y}" x2="{right}" y2="{axis_y}" stroke="#333" stroke-width="1.5"/>']
    for year in range(lo.year, hi.year + 1):
        xx = x(dt.date(year, 1, 1))
        if left <= xx <= right:
            parts.append(f'<line x1="{xx:.1f}" y1="{axis_y - 4}" x2="{xx:.1f}" y2="{axis_y + 4}" stroke="#333"/>'
                         f'<text x="{xx:.1f}" y="{axis_y + 18}" font-size="11" text-anchor="middle" {FONT}>{year}</text>')
    # appraisal years: a box over each year, coloured by grade
    for e in shown:
        if e.kind != "appraisal":
            continue
        year = int(e.date[:4])
        x0, x1 = x(max(lo, dt.date(year, 1, 1))), x(min(hi, dt.date(year, 12, 31)))
        grade = e.label.split("：")[-1]
        colour = PASSING.get(grade) or BASIC.get(grade) or "#c62828"
        dash = ' stroke-dasharray="4 2"' if e.source == "declared" or e.weak else ""
        parts.append(f'<rect x="{x0:.1f}" y="{axis_y + 26}" width="{max(x1 - x0, 2):.1f}" height="18" fill="{colour}" '
                     f'fill-opacity="0.8" stroke="#222"{dash}><title>{escape(e.label)}</title></rect>'
                     f'<text x="{(x0 + x1) / 2:.1f}" y="{axis_y + 39}" font-size="11" fill="#fff" text-anchor="middle" '
                     f'{FONT}>{escape(grade[:4])}</text>')
    # the other events: a dot on the axis and a label on one of four rows above it, placed left to right
    rows_end = [-1e9] * 4
    for e, d in sorted(((e, _day(e)) for e in shown if e.kind != "appraisal"), key=lambda p: p[1]):
        xx = x(d)
        label = e.label if e.kind == "final" else f"{e.label} {zh_date(e.date)}"
        width = 12.5 * len(label) + 8
        row = next((i for i, end in enumerate(rows_end) if xx >= end), min(range(4), key=lambda i: rows_end[i]))
        rows_end[row] = xx + width
        ty = axis_y - 24 - row * 28
        colour = "#c62828" if e.weak else SOURCE_COLOUR.get(e.source, "#333")
        anchor, tx = ("end", xx - 3) if xx + width > right + 25 else ("start", xx + 3)
        parts.append(f'<line x1="{xx:.1f}" y1="{axis_y}" x2="{xx:.1f}" y2="{ty + 4}" stroke="{colour}" stroke-width="0.8"/>'
                     f'<circle cx="{xx:.1f}" cy="{axis_y}" r="4.5" fill="{"#fff" if e.weak else colour}" stroke="{colour}" '
                     f'stroke-width="2"><title>{escape(label)}</title></circle>'
                     f'<text x="{tx:.1f}" y="{ty}" font-size="12" fill="{colour}" text-anchor="{anchor}" {FONT}>'
                     f'{escape(label)}{"（待确认）" if e.weak else ""}</text>')
    legend = (f'<text x="{left}" y="{axis_y + 64}" font-size="11" {FONT}>'
              f'<tspan fill="{SOURCE_COLOUR["found"]}">● 材料所示</tspan>　<tspan fill="{SOURCE_COLOUR["declared"]}">'
              f'● 申报填写</tspan>　<tspan fill="{SOURCE_COLOUR["notice"]}">● 通知规定</tspan>　'
              f'<tspan fill="#c62828">○ 识别不确定，待人工确认</tspan>　色块：年度考核（绿 合格及以上，黄 基本合格，红 不合格/不确定；'
              f'虚线框 仅申报填写）</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {axis_y + 74}" '
            f'width="100%" role="img" aria-label="申报人时间线">{"".join(parts)}{legend}</svg>')


def days_svg(pub: PublicityView | None) -> str:
    """The days around the publicity and the submission window; '' without a publicity period."""
    if pub is None:
        return ""
    marks = [pub.start, pub.end, *pub.window] + ([pub.submission] if pub.submission else [])
    first, last = min(marks) - dt.timedelta(days=2), max(marks) + dt.timedelta(days=2)
    if (last - first).days > 70:  # a submission months away: draw the publicity and the window only
        last = max(pub.end, pub.window[1]) + dt.timedelta(days=2)
        first = min(pub.start, pub.window[0]) - dt.timedelta(days=2)
    n = (last - first).days + 1
    cell = min(34.0, (WIDTH - 20) / n)
    parts, count = [], 0
    for i in range(n):
        d = first + dt.timedelta(days=i)
        xx = 10 + i * cell
        try:
            work = is_working_day(d)
        except CalendarUnknown:
            work = d.weekday() < 5
        in_pub = pub.start <= d <= pub.end
        if in_pub and work:
            count += 1
        fill = "#fff" if work else "#d5d5d5"
        parts.append(f'<rect x="{xx:.1f}" y="40" width="{cell - 2:.1f}" height="30" fill="{fill}" stroke="#999">'
                     f'<title>{d.isoformat()} {"工作日" if work else "休息日"}</title></rect>'
                     f'<text x="{xx + cell / 2 - 1:.1f}" y="60" font-size="11" text-anchor="middle" {FONT}>{d.day}</text>')
        if d.day == 1 or i == 0:
            parts.append(f'<text x="{xx:.1f}" y="34" font-size="11" {FONT}>{d.year}年{d.month}月</text>')
        if in_pub:
            parts.append(f'<rect x="{xx:.1f}" y="74" width="{cell - 2:.1f}" height="16" fill="#1565c0" fill-opacity="0.85"/>')
            if work:
                parts.append(f'<text x="{xx + cell / 2 - 1:.1f}" y="86" font-size="11" fill="#fff" text-anchor="middle" '
                             f'{FONT}>{count}</text>')
        if pub.window[0] <= d <= pub.window[1]:
            parts.append(f'<rect x="{xx:.1f}" y="94" width="{cell - 2:.1f}" height="10" fill="#2e7d32" fill-opacity="0.8"/>')
        if pub.submission == d:
            parts.append(f'<path d="M{xx + cell / 2 - 1:.1f},108 l-7,12 h14 z" fill="#c62828"/>')
    days = "未知（该年节假日安排未收录）" if pub.working_days is None else f"{pub.working_days}个工作日"
    ok = pub.working_days is not None and pub.working_days >= pub.minimum
    caption = (f'<text x="10" y="16" font-size="13" {FONT} fill="{"#2e7d32" if ok else "#c62828"}">'
               f'公示期{zh_date(pub.start.isoformat())}至{zh_date(pub.end.isoformat())}：{escape(days)}'
               f'（要求不少于{pub.minimum}个工作日）</text>')
    legend = (f'<text x="10" y="140" font-size="11" {FONT}><tspan fill="#1565c0">■ 公示期（数字为第几个工作日）</tspan>　'
              f'<tspan fill="#2e7d32">■ 报送时间</tspan>　<tspan fill="#c62828">▲ 申报材料日期</tspan>　'
              f'<tspan fill="#777">灰色 休息日（含调休）</tspan></text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} 150" width="100%" '
            f'role="img" aria-label="公示期与报送时间">{caption}{"".join(parts)}{legend}</svg>')


def svg_png(svg: str, width: int = 1880) -> bytes | None:
    """One of these charts as PNG (the Word report's picture), drawn by cairosvg with the system's CJK
    fonts; None for an empty chart or when it cannot be drawn (the report keeps the timeline table)."""
    if not svg:
        return None
    try:
        import cairosvg

        return cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=width)
    except Exception as exc:  # noqa: BLE001 — a chart is a convenience beside the table
        log.warning("cannot draw the timeline chart as PNG: %s", exc)
        return None
