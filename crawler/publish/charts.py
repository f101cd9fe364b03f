"""Charts as inline SVG, drawn on the server: small stacked bar charts of the figures of canned queries
(no JavaScript, nothing fetched from elsewhere: they work with arbitrary SQL off and on an immutable
snapshot). Every label is escaped."""

from __future__ import annotations

import math

from markupsafe import Markup

from crawler.archive import reads

MAX_BARS = 60  # bars per chart: its last days, months or crawls
CHARTS = {
    # canned query with the numbers: (title, x column, series column or None, value columns, the chart's
    # SQL: its last MAX_BARS x values only, read from the summary tables)
    "headlines_per_day_per_publisher": ("Headlines on the ticker per day, by paper", "day", "publisher", ["headlines"],
                                        reads.CHART_HEADLINES_PER_DAY),
    "crawl_volume": ("Crawl volume: URLs per crawl, fetched, failed and skipped", "started", None,
                     ["pages", "failed", "skipped"], reads.CHART_CRAWL_VOLUME),
    "articles_per_publisher_per_month": ("Articles per month, by paper (published date)", "month", "publisher", ["articles"],
                                         reads.CHART_ARTICLES_PER_MONTH),
}
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac"]


async def build_charts(datasette, db, only=None) -> list[dict]:
    """The charts of an archive database (only those named in `only`, if given): each drawn
    from its last MAX_BARS days, months or crawls, with links to the canned query's numbers."""
    queries = await datasette.get_canned_queries(db.name, None)
    charts = []
    for name, (title, x, series, values, sql) in CHARTS.items():
        if (only and name not in only) or name not in queries:
            continue
        rows = [dict(r) for r in (await db.execute(sql, {"bars": MAX_BARS})).rows]
        charts.append({
            "name": name, "title": title,
            "svg": stacked_bars(rows, x, series, values, title, max_bars=MAX_BARS),
            "url": datasette.urls.query(db.name, name),
            "json_url": datasette.urls.query(db.name, name, format="json") + "?_shape=array",
            "csv_url": datasette.urls.query(db.name, name, format="csv"),
        })
    return charts


def nice_axis(peak: float) -> tuple[float, float]:
    """The y axis for a peak count: (top, step), step a whole 1, 2 or 5 times a power of ten
    and at most 5 steps (a peak of 2 gives 0, 1, 2; 48 gives 0, 10 ... 50)."""
    peak = max(peak, 1)
    magnitude = 10 ** max(0, math.floor(math.log10(peak / 5)))
    for step in (m * magnitude for m in (1, 2, 5, 10, 20, 50)):
        if math.ceil(peak / step) <= 5:
            return math.ceil(peak / step) * step, step
    return peak, peak / 5


def stacked_bars(rows: list[dict], x: str, series: str | None, values: list[str], title: str,
                 width: int = 760, height: int = 260, max_bars: int = 60) -> Markup:
    """An SVG stacked bar chart: one bar per x value (oldest left), one colour per series (or per
    value column when series is None). Every label is escaped."""
    stacks: dict[str, dict[str, float]] = {}
    names: dict[str, float] = {}
    for row in rows:
        key = str(row.get(x) or "?")
        if series:
            parts = [(str(row.get(series) or "?"), row.get(values[0]) or 0)]
        else:
            parts = [(v, row.get(v) or 0) for v in values]
        for name, value in parts:
            stacks.setdefault(key, {})
            stacks[key][name] = stacks[key].get(name, 0) + value
            names[name] = names.get(name, 0) + value
    keys = sorted(stacks)[-max_bars:]
    if not keys:
        return Markup('<p class="na-empty">Nothing to chart yet.</p>')
    order = list(values) if not series else sorted(names, key=lambda n: (-names[n], n))
    if series and len(order) > len(PALETTE):
        keep = set(order[: len(PALETTE) - 1])
        for key in keys:
            other = sum(v for n, v in stacks[key].items() if n not in keep)
            stacks[key] = {n: v for n, v in stacks[key].items() if n in keep} | {"other": other}
        order = order[: len(PALETTE) - 1] + ["other"]
    colours = dict(zip(order, PALETTE))
    left, top, bottom, legend_w = 44, 10, 46, 200
    plot_w, plot_h = width - left - legend_w - 10, height - top - bottom
    peak, tick = nice_axis(max(sum(stacks[k].values()) for k in keys))
    step = plot_w / len(keys)
    bar_w = max(2.0, step * 0.8)
    out = [Markup('<svg class="na-chart" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
                  'xmlns="http://www.w3.org/2000/svg"><title>{t}</title>').format(w=width, h=height, t=title)]
    for i in range(round(peak / tick) + 1):  # grid lines and y labels
        value = tick * i
        y = top + plot_h - plot_h * value / peak
        out.append(Markup('<line x1="{l}" x2="{r}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                          '<text x="{tx}" y="{ty:.1f}" font-size="10" text-anchor="end" fill="#555">{v}</text>')
                   .format(l=left, r=left + plot_w, y=y, tx=left - 4, ty=y + 3, v=f"{value:,.4g}"))
    label_every = max(1, len(keys) // 8)
    for i, key in enumerate(keys):
        bx = left + i * step + (step - bar_w) / 2
        y = top + plot_h
        for name in order:
            value = stacks[key].get(name, 0)
            if not value:
                continue
            h = plot_h * value / peak
            y -= h
            out.append(Markup('<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{c}">'
                              '<title>{k} · {n}: {v}</title></rect>')
                       .format(x=bx, y=y, w=bar_w, h=h, c=colours[name], k=key, n=name, v=f"{value:,.0f}"))
        if i % label_every == 0:
            out.append(Markup('<text x="{x:.1f}" y="{y}" font-size="10" text-anchor="middle" fill="#333">{k}</text>')
                       .format(x=bx + bar_w / 2, y=top + plot_h + 14, k=key[:16]))
    for j, name in enumerate(order):  # legend
        ly = top + 4 + j * 16
        out.append(Markup('<rect x="{x}" y="{y}" width="10" height="10" fill="{c}"/>'
                          '<text x="{tx}" y="{ty}" font-size="11" fill="#333">{n}</text>')
                   .format(x=width - legend_w + 4, y=ly, c=colours[name], tx=width - legend_w + 18, ty=ly + 9, n=name[:28]))
    out.append(Markup("</svg>"))
    return Markup("").join(out)




DRIFT_COLOUR = "#d62728"


def share_lines(points: list[dict], x: str, series: list[str], title: str, width: int = 760,
                height: int = 240) -> Markup:
    """An SVG line chart of shares (0 to 1, drawn 0% to 100%): one point per x value, in the order
    given (oldest left), one line per series (a None value breaks its line); a point whose
    `drift` is true is marked with a red band and a "!" under its label. The colours, sizes and
    legend are the bar charts'; every label is escaped."""
    if not points:
        return Markup('<p class="na-empty">Nothing to chart yet.</p>')
    left, top, bottom, legend_w = 44, 10, 46, 200
    plot_w, plot_h = width - left - legend_w - 10, height - top - bottom
    step = plot_w / len(points)
    colours = dict(zip(series, PALETTE))
    out = [Markup('<svg class="na-chart na-share-chart" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
                  'xmlns="http://www.w3.org/2000/svg"><title>{t}</title>').format(w=width, h=height, t=title)]

    def xy(i: int, value: float) -> tuple[float, float]:
        return left + i * step + step / 2, top + plot_h - plot_h * value

    for i, point in enumerate(points):  # drift bands first, under everything
        if point.get("drift"):
            out.append(Markup('<rect class="na-drift-band" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{h}" '
                              'fill="{c}" fill-opacity="0.12"><title>{k}: drift</title></rect>')
                       .format(x=left + i * step, y=top, w=step, h=plot_h, c=DRIFT_COLOUR, k=point.get(x)))
    for value in (0, 0.25, 0.5, 0.75, 1):  # grid lines and y labels
        y = top + plot_h - plot_h * value
        out.append(Markup('<line x1="{l}" x2="{r}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                          '<text x="{tx}" y="{ty:.1f}" font-size="10" text-anchor="end" fill="#555">{v}</text>')
                   .format(l=left, r=left + plot_w, y=y, tx=left - 4, ty=y + 3, v=f"{value:.0%}"))
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
                       .format(x=px, y=py, r=4 if j == 0 else 3, c=colours[name], k=label, n=name, v=f"{value:.0%}"))
    label_every = max(1, len(points) // 10)
    for i, point in enumerate(points):
        px = left + i * step + step / 2
        if i % label_every == 0 or point.get("drift"):
            out.append(Markup('<text x="{x:.1f}" y="{y}" font-size="10" text-anchor="middle" fill="#333">{k}</text>')
                       .format(x=px, y=top + plot_h + 14, k=str(point.get(x))[:16]))
        if point.get("drift"):
            out.append(Markup('<text x="{x:.1f}" y="{y}" font-size="12" font-weight="bold" text-anchor="middle" '
                              'fill="{c}">!</text>').format(x=px, y=top + plot_h + 28, c=DRIFT_COLOUR))
    legend = [(name, colours[name]) for name in series]
    if any(p.get("drift") for p in points):
        legend.append(("drift", DRIFT_COLOUR))
    for j, (name, colour) in enumerate(legend):
        ly = top + 4 + j * 16
        out.append(Markup('<rect x="{x}" y="{y}" width="10" height="10" fill="{c}"/>'
                          '<text x="{tx}" y="{ty}" font-size="11" fill="#333">{n}</text>')
                   .format(x=width - legend_w + 4, y=ly, c=colour, tx=width - legend_w + 18, ty=ly + 9, n=name[:28]))
    out.append(Markup("</svg>"))
    return Markup("").join(out)
