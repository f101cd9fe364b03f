"""Charts drawn on the server, as HTML with an inline SVG of the bars (no JavaScript, nothing fetched
from elsewhere: they work with arbitrary SQL off and on an immutable snapshot). Every label is
escaped.

- The bars are an SVG stretched to the width of its box (preserveAspectRatio="none"): it holds no
  text, so nothing in it is scaled down on a narrow screen. The axes' labels, the legend and the
  notes are HTML text at fixed CSS sizes (13 px and more), placed in percent of the plot's width.
- Dates sit on a time axis: a day or a month is a bar as wide as its span, placed by its date, so a
  gap in time is a gap on the axis; the ticks fall on whole days, months or years, at most a few.
- A paper keeps its colour in every chart: the papers are ranked by their archived articles (the
  summary summary_articles_by_paper: most articles first, then by name), the first len(PALETTE)
  take the palette's colours in that order, every other one is "Other papers", in grey. A paper is
  shown by its name (the publisher its articles credit), never by its slug; headlines whose link
  names no paper are left out of the per-paper chart, and the chart says how many.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup

from crawler.archive import reads
from crawler.publish import i18n

MAX_BARS = 60  # bars per chart: its last days, months or crawls
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#17becf"]
OTHER = "Other papers"
OTHER_COLOUR = "#bab0ac"
# The crawl chart's measures are no papers: colours of their own, none of the palette's.
MEASURES = {"pages": ("pages fetched", "#2f4b7c"), "failed": ("failed", "#b2182b"), "skipped": ("skipped", "#969696")}
PLOT_HEIGHT = 200  # CSS pixels
WIDTH = 1000  # the SVG's horizontal units: the plot's width, whatever it is on screen
MIN_BAR = 8  # the narrowest bar, in those units (0.8% of the plot)
TICK_FONT = "13px"
LEGEND_FONT = "14px"
CHARTS = {
    # canned query with the numbers: (title, kind, the chart's SQL: its last MAX_BARS days, months or
    # crawls, read from the summary tables)
    "headlines_per_day_per_publisher": ("Headlines on the ticker per day, by paper", "headlines",
                                        reads.CHART_HEADLINES_PER_DAY),
    "articles_per_publisher_per_month": ("Articles per month, by paper (published date)", "articles",
                                         reads.CHART_ARTICLES_PER_MONTH),
    "crawl_volume": ("Crawl volume: URLs per crawl, fetched, failed and skipped", "crawls",
                     reads.CHART_CRAWL_VOLUME),
}


@dataclass
class Papers:
    """The papers of an archive's articles, ranked (most archived articles first, then by name): a
    paper is its slug, or for articles whose URL names none, the publisher they credit."""
    ranked: list[str] = field(default_factory=list)  # paper keys, the first first
    names: dict[str, str] = field(default_factory=dict)  # key -> name
    of_publisher: dict[str, str] = field(default_factory=dict)  # publisher name -> key

    @classmethod
    def from_rows(cls, rows: list[dict]) -> "Papers":
        totals: dict[str, float] = {}
        names: dict[str, str] = {}
        publishers: dict[str, dict[str, float]] = {}
        for row in rows:
            publisher, n = row["publisher"] or "", row["articles"] or 0
            key = row["paper"] or f"publisher:{publisher}"
            totals[key] = totals.get(key, 0) + n
            names[key] = max(names.get(key, ""), publisher)  # as the canned queries' max(publisher)
            publishers.setdefault(publisher, {})
            publishers[publisher][key] = publishers[publisher].get(key, 0) + n
        ranked = sorted(totals, key=lambda k: (-totals[k], names[k].casefold(), k))
        of_publisher = {p: min(keys, key=lambda k: (-keys[k], k)) for p, keys in publishers.items()}
        return cls(ranked, names, of_publisher)

    def series(self, key: str) -> tuple[str, str, str, int]:
        """(series key, label, colour, stacking and legend order) of a paper: its own among the first
        len(PALETTE), else "Other papers" (and so for a slug no archived article names)."""
        rank = self.ranked.index(key) if key in self.names else len(PALETTE)
        if rank < len(PALETTE):
            return key, self.names[key], PALETTE[rank], rank
        return OTHER, i18n.text(OTHER), OTHER_COLOUR, len(PALETTE)


async def build_charts(datasette, db, only=None) -> list[dict]:
    """The charts of an archive database (only those named in `only`, if given): each drawn
    from its last MAX_BARS days, months or crawls, with links to the canned query's numbers."""
    queries = await datasette.get_canned_queries(db.name, None)
    papers = None
    charts = []
    for name, (title, kind, sql) in CHARTS.items():
        if (only and name not in only) or name not in queries:
            continue
        if papers is None and kind != "crawls":
            papers = Papers.from_rows([dict(r) for r in (await db.execute(reads.CHART_PAPERS)).rows])
        rows = [dict(r) for r in (await db.execute(sql, {"bars": MAX_BARS})).rows]
        if kind == "headlines":
            html = headlines_chart(rows, papers, title)
        elif kind == "articles":
            html = articles_chart(rows, papers, title)
        else:
            html = crawls_chart(rows, title)
        charts.append({
            "name": name, "title": title, "svg": html,
            "url": datasette.urls.query(db.name, name),
            "json_url": datasette.urls.query(db.name, name, format="json") + "?_shape=array",
            "csv_url": datasette.urls.query(db.name, name, format="csv"),
        })
    return charts


# --- the three charts ------------------------------------------------------------------------------
def _plural(n: float, word: str) -> str:
    return f"{n:,.0f} {word}{'' if n == 1 else 's'}"


def _paper_bars(items, papers: Papers) -> tuple[dict, dict]:
    """Columns {date: {series: value}} and series {key: (label, colour, order)} of (date, paper key,
    value) items."""
    columns: dict[date, dict[str, float]] = {}
    series: dict[str, tuple[str, str, int]] = {}
    for day, key, value in items:
        skey, label, colour, order = papers.series(key)
        series[skey] = (label, colour, order)
        columns.setdefault(day, {})
        columns[day][skey] = columns[day].get(skey, 0) + value
    return columns, series


def _other_note(series: dict, what: str) -> list[str]:
    return [i18n.text("{other} (grey): {what}.", other=i18n.text(OTHER), what=what)] if OTHER in series else []


def headlines_chart(rows: list[dict], papers: Papers, title: str) -> Markup:
    items, unknown = [], 0
    for row in rows:
        day = _date(row["day"])
        if not row["paper"] or day is None:
            unknown += row["headlines"] or 0
            continue
        items.append((day, row["paper"], row["headlines"] or 0))
    columns, series = _paper_bars(items, papers)
    notes = _other_note(series, i18n.text(
        "headlines linking to a paper outside the {n} with the most archived articles, or to a paper with no "
        "archived article (so no known name)", n=len(PALETTE)))
    if unknown:
        notes.append(i18n.text("Not shown: {count} whose link names no paper (paper unknown), on these days.",
                               count=i18n.ngettext("{n} headline", "{n} headlines", round(unknown))))
    spans = {d: (d.toordinal(), d.toordinal() + 1) for d in columns}
    return time_bars(columns, spans, series, title, "day", "headline", notes)


def articles_chart(rows: list[dict], papers: Papers, title: str) -> Markup:
    items, undated = [], 0
    for row in rows:
        month = _date(f"{row['month']}-01") if row["month"] else None
        if month is None:
            undated += row["articles"] or 0
            continue
        key = papers.of_publisher.get(row["publisher"] or "", f"publisher:{row['publisher'] or ''}")
        items.append((month, key, row["articles"] or 0))
    columns, series = _paper_bars(items, papers)
    notes = _other_note(series, i18n.text("articles of the papers outside the {n} with the most archived articles",
                                          n=len(PALETTE)))
    if undated:
        notes.append(i18n.text("Not shown: {count} with no published date.",
                               count=i18n.ngettext("{n} article", "{n} articles", round(undated))))
    spans = {m: (m.toordinal(), _next_month(m).toordinal()) for m in columns}
    return time_bars(columns, spans, series, title, "month", "article", notes)


def crawls_chart(rows: list[dict], title: str) -> Markup:
    rows = sorted(rows, key=lambda r: r["crawl"])
    series = {m: (label, colour, i) for i, (m, (label, colour)) in enumerate(MEASURES.items())}
    columns = {r["crawl"]: {m: r.get(m) or 0 for m in MEASURES} for r in rows}
    spans = {r["crawl"]: (i, i + 1) for i, r in enumerate(rows)}
    started = {r["crawl"]: r.get("started") or "" for r in rows}
    ids = [r["crawl"] for r in rows]
    step = next((s for s in _nice_steps() if len([i for i in ids if i % s == 0]) <= 6), 1)
    ticks = [(i + 0.5, f"#{c}") for i, c in enumerate(ids) if c % step == 0]
    labels = {c: f"crawl #{c} ({started[c]})" for c in ids}
    return bars_html(columns, spans, series, title, (0, len(ids)), ticks, labels, "URL",
                     [i18n.text("By crawl, oldest left: one bar per crawl (its number under the axis).")]
                     if rows else [])


def _nice_steps():
    for power in range(0, 12):
        for m in (1, 2, 5):
            yield m * 10 ** power


# --- the time axis ---------------------------------------------------------------------------------------
def _date(text) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


# Tick intervals, the finest first: (unit, count, how many labels of that unit fit a 390 px screen).
TICK_STEPS = [("day", 1, 3), ("day", 2, 3), ("day", 7, 3), ("day", 14, 3), ("month", 1, 4), ("month", 2, 4), ("month", 3, 4),
              ("month", 6, 4), *(("year", k, 5) for k in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000))]


def time_ticks(lo: float, hi: float) -> list[tuple[float, str]]:
    """Ticks for a time axis from day ordinal lo to hi: whole days (2025-09-04: every day, every
    other day, Mondays, every other Monday), months (2025-09: every 1, 2, 3 or 6 months) or years
    (2025: every 1, 2, 5, 10... years), the finest interval that gives at most the labels that fit
    a narrow screen (3 days, 4 months or 5 years)."""
    first, last = date.fromordinal(math.ceil(lo)), date.fromordinal(math.floor(hi))
    for unit, k, most in TICK_STEPS:
        if unit == "day":
            if (last - first).days / k > most + 1:
                continue
            days = range(first.toordinal(), last.toordinal() + 1)
            ticks = [(d, date.fromordinal(d).isoformat()) for d in days
                     if (d % k == 0 if k < 7 else date.fromordinal(d).weekday() == 0 and d // 7 % (k // 7) == 0)]
        elif unit == "month":
            if ((last.year - first.year) * 12 + last.month - first.month) / k > most + 1:
                continue
            ticks, m = [], date(first.year, first.month, 1)
            while m <= last:
                if m >= first and (m.month - 1) % k == 0:
                    ticks.append((m.toordinal(), f"{m.year:04d}-{m.month:02d}"))
                m = _next_month(m)
        else:
            if (last.year - first.year) / k > most + 1:
                continue
            ticks = [(date(y, 1, 1).toordinal(), f"{y:04d}") for y in range(first.year, last.year + 1)
                     if y % k == 0 and first <= date(y, 1, 1) <= last]
        if 0 < len(ticks) <= most:
            return ticks
    return []


def time_bars(columns: dict, spans: dict, series: dict, title: str, unit: str, noun: str,
              notes: list[str]) -> Markup:
    """Bars on a time axis: each column spans its day or month (day ordinals), the axis from the
    first to the last, with a margin of 1% each side."""
    if not columns:
        return bars_html({}, {}, series, title, (0, 1), [], {}, noun, notes)
    lo, hi = min(s for s, _ in spans.values()), max(e for _, e in spans.values())
    margin = (hi - lo) * 0.01
    lo, hi = lo - margin, hi + margin
    labels = {c: c.isoformat() if unit == "day" else c.isoformat()[:7] for c in columns}
    return bars_html(columns, spans, series, title, (lo, hi), time_ticks(lo, hi), labels, noun, notes)


# --- drawing -----------------------------------------------------------------------------------------------
def nice_axis(peak: float) -> tuple[float, float]:
    """The y axis for a peak count: (top, step), step a whole 1, 2 or 5 times a power of ten
    and at most 5 steps (a peak of 2 gives 0, 1, 2; 48 gives 0, 10 ... 50)."""
    peak = max(peak, 1)
    magnitude = 10 ** max(0, math.floor(math.log10(peak / 5)))
    for step in (m * magnitude for m in (1, 2, 5, 10, 20, 50)):
        if math.ceil(peak / step) <= 5:
            return math.ceil(peak / step) * step, step
    return peak, peak / 5


def _pct(units: float) -> str:
    return f"{units / WIDTH * 100:.3f}%"


def bars_html(columns: dict, spans: dict, series: dict, title: str, domain: tuple[float, float],
              ticks: list[tuple[float, str]], labels: dict, noun: str, notes: list[str]) -> Markup:
    """A stacked bar chart as HTML: the bars an SVG stretched to the box's width (no text in it), the
    y labels, x ticks, legend and notes HTML text. columns: {column: {series: value}}; spans:
    {column: (start, end)} in the axis's units, domain (lo, hi) of the axis; series: {key: (label,
    colour, order)}, stacked and listed by order; ticks: [(position, label)]; labels: {column:
    label} for the bars' tooltips."""
    if not columns or not any(any(v for v in col.values()) for col in columns.values()):
        return Markup('<p class="na-empty">Nothing to chart yet.</p>') + _notes(notes)
    lo, hi = domain
    scale = WIDTH / ((hi - lo) or 1)
    order = sorted(series, key=lambda k: (series[k][2], series[k][0].casefold()))
    peak, tick = nice_axis(max(sum(col.values()) for col in columns.values()))
    h = PLOT_HEIGHT
    svg = [Markup('<svg class="na-chart" role="img" viewBox="0 0 {w} {h}" preserveAspectRatio="none" width="100%" '
                  'height="{h}" style="display:block;width:100%;height:{h}px;max-width:none" '
                  'xmlns="http://www.w3.org/2000/svg"><title>{t}</title>').format(w=WIDTH, h=h, t=title)]
    ylabels = []
    for i in range(round(peak / tick) + 1):
        value = tick * i
        y = h - h * value / peak
        svg.append(Markup('<line x1="0" x2="{w}" y1="{y:.2f}" y2="{y:.2f}" stroke="#ddd" '
                          'vector-effect="non-scaling-stroke"/>').format(w=WIDTH, y=y))
        ylabels.append(Markup('<span style="position:absolute;right:0.4em;top:{t:.2f}px;transform:translateY(-50%);'
                              'font-size:{f};line-height:1;color:#555">{v}</span>')
                       .format(t=y, f=TICK_FONT, v=f"{value:,.4g}"))
    xlabels = []
    for position, label in ticks:
        x = (position - lo) * scale
        svg.append(Markup('<line x1="{x:.2f}" x2="{x:.2f}" y1="0" y2="{h}" stroke="#eee" '
                          'vector-effect="non-scaling-stroke"/>').format(x=x, h=h))
        shift = "0" if x < 60 else "-100%" if x > WIDTH - 60 else "-50%"
        xlabels.append(Markup('<span class="na-tick" data-at="{x:.3f}" style="position:absolute;left:{p};top:0.25em;'
                              'transform:translateX({s});white-space:nowrap;font-size:{f};color:#333">{k}</span>')
                       .format(x=x, p=_pct(x), s=shift, f=TICK_FONT, k=label))
    for column, values in columns.items():
        start, end = spans[column]
        centre, width = ((start + end) / 2 - lo) * scale, max((end - start) * scale * 0.8, MIN_BAR)
        y = h
        for key in order:
            value = values.get(key, 0)
            if not value:
                continue
            bar = h * value / peak
            y -= bar
            svg.append(Markup('<rect x="{x:.3f}" y="{y:.3f}" width="{w:.3f}" height="{bh:.3f}" fill="{c}" '
                              'data-series="{n}" data-column="{k}" data-value="{v}"><title>{k} · {n}: {vt}</title></rect>')
                       .format(x=centre - width / 2, y=y, w=width, bh=bar, c=series[key][1], n=series[key][0],
                               k=labels.get(column, column), v=f"{value:g}", vt=_plural(value, noun)))
    svg.append(Markup("</svg>"))
    legend = [Markup('<li data-series="{n}" style="display:flex;align-items:center;gap:0.35em">'
                     '<span style="display:inline-block;width:0.9em;height:0.9em;background:{c};flex:none"></span>'
                     '<span>{n}</span></li>').format(n=series[k][0], c=series[k][1]) for k in order]
    return Markup("").join([
        Markup('<figure class="na-chart-box" style="margin:0.5em 0 1em;max-width:60em">'),
        Markup('<div style="display:flex;align-items:flex-start">'
               '<div aria-hidden="true" style="position:relative;flex:none;width:3.2em;height:{h}px">').format(h=h),
        *ylabels, Markup('</div><div style="position:relative;flex:1 1 auto;min-width:0">'), *svg,
        Markup('<div class="na-axis" aria-hidden="true" style="position:relative;height:1.6em">'), *xlabels,
        Markup("</div></div></div>"),
        Markup('<ul class="na-legend" style="list-style:none;display:flex;flex-wrap:wrap;gap:0.2em 1em;'
               'margin:0.3em 0 0 3.2em;padding:0;font-size:{f}">').format(f=LEGEND_FONT), *legend,
        Markup("</ul>"), _notes(notes), Markup("</figure>")])


def _notes(notes: list[str]) -> Markup:
    return Markup("").join(Markup('<p class="na-chart-note" style="font-size:{f};color:#555;margin:0.3em 0 0 3.2em">'
                                  '{n}</p>').format(f=LEGEND_FONT, n=n) for n in notes)


DRIFT_COLOUR = "#d62728"


def share_lines(points: list[dict], x: str, series: list[str], title: str, width: int = 760,
                height: int = 260) -> Markup:
    """An SVG line chart of shares (0 to 1, drawn 0% to 100%): one point per x value, in the order
    given (oldest left), one line per series (a None value breaks its line); a point whose
    `drift` is true is marked with a red band and a "!" under its label. The colours, sizes and
    legend are the bar charts'; a series' label (and "drift") is its name in the reader's
    language (the names are catalogue entries: crawler.publish.i18n); text is 13 px or more at
    the chart's full width. Every label is escaped."""
    if not points:
        return Markup('<p class="na-empty">Nothing to chart yet.</p>')
    left, top, bottom, legend_w = 52, 10, 52, 230
    plot_w, plot_h = width - left - legend_w - 10, height - top - bottom
    step = plot_w / len(points)
    colours = dict(zip(series, PALETTE))
    # Drawn at its own size (max-width none: never shrunk below 13 px text); on a narrow screen
    # its box (.na-table-scroll) scrolls sideways.
    out = [Markup('<svg class="na-chart na-share-chart" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
                  'style="display:block;max-width:none" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>')
           .format(w=width, h=height, t=title)]

    def xy(i: int, value: float) -> tuple[float, float]:
        return left + i * step + step / 2, top + plot_h - plot_h * value

    for i, point in enumerate(points):  # drift bands first, under everything
        if point.get("drift"):
            out.append(Markup('<rect class="na-drift-band" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{h}" '
                              'fill="{c}" fill-opacity="0.12"><title>{k}: {d}</title></rect>')
                       .format(x=left + i * step, y=top, w=step, h=plot_h, c=DRIFT_COLOUR, k=point.get(x),
                               d=i18n.text("drift")))
    for value in (0, 0.25, 0.5, 0.75, 1):  # grid lines and y labels
        y = top + plot_h - plot_h * value
        out.append(Markup('<line x1="{l}" x2="{r}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                          '<text x="{tx}" y="{ty:.1f}" font-size="13" text-anchor="end" fill="#555">{v}</text>')
                   .format(l=left, r=left + plot_w, y=y, tx=left - 5, ty=y + 4, v=f"{value:.0%}"))
    for j, name in enumerate(series):
        dash = ' stroke-dasharray="5 3"' if j else ""
        width_ = 3 if j == 0 else 2
        runs, run = [], []
        for i, point in enumerate(points):
            value = point.get(name)
            if value is None:
                if run:
                    runs.append(run)
                run = []
                continue
            run.append(xy(i, value))
        if run:
            runs.append(run)
        for run in runs:
            if len(run) > 1:
                out.append(Markup('<polyline fill="none" stroke="{c}" stroke-width="{sw}"{d} points="{p}"/>')
                           .format(c=colours[name], sw=width_, d=Markup(dash),
                                   p=" ".join(f"{px:.1f},{py:.1f}" for px, py in run)))
        for i, point in enumerate(points):
            value = point.get(name)
            if value is None:
                continue
            px, py = xy(i, value)
            label = f"{point.get(x)} {point.get('started') or ''}".strip()
            out.append(Markup('<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{c}"><title>{k} · {n}: {v}</title></circle>')
                       .format(x=px, y=py, r=4 if j == 0 else 3, c=colours[name], k=label, n=i18n.text(name),
                               v=f"{value:.0%}"))
    label_every = max(1, len(points) // 10)
    for i, point in enumerate(points):
        px = left + i * step + step / 2
        if i % label_every == 0 or point.get("drift"):
            out.append(Markup('<text x="{x:.1f}" y="{y}" font-size="13" text-anchor="middle" fill="#333">{k}</text>')
                       .format(x=px, y=top + plot_h + 17, k=str(point.get(x))[:16]))
        if point.get("drift"):
            out.append(Markup('<text x="{x:.1f}" y="{y}" font-size="14" font-weight="bold" text-anchor="middle" '
                              'fill="{c}">!</text>').format(x=px, y=top + plot_h + 34, c=DRIFT_COLOUR))
    legend = [(i18n.text(name), colours[name]) for name in series]
    if any(p.get("drift") for p in points):
        legend.append((i18n.text("drift"), DRIFT_COLOUR))
    for j, (name, colour) in enumerate(legend):
        ly = top + 4 + j * 20
        out.append(Markup('<rect x="{x}" y="{y}" width="12" height="12" fill="{c}"/>'
                          '<text x="{tx}" y="{ty}" font-size="13" fill="#333">{n}</text>')
                   .format(x=width - legend_w + 4, y=ly, c=colour, tx=width - legend_w + 22, ty=ly + 11, n=name[:28]))
    out.append(Markup("</svg>"))
    return Markup("").join(out)
