"""SVG plots drawn on the server: no script, nothing from another host, no inline style.

Colours and fonts come from the site's stylesheet through classes (the CSP forbids
inline styles); each mark carries its figure in ``data-value`` and a ``<title>`` (a
tooltip, read by screen readers), and every plot has a table of its numbers beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 44


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def _nice_max(value: float) -> float:
    """A round top for the axis: 1, 2, 5 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 1.0
    while power * 10 <= value:
        power *= 10
    while power > value:
        power /= 10
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _frame(plot_id: str, label: str, body: list[str], height: int = HEIGHT) -> Markup:
    return Markup(
        f'<svg class="plot" id="{escape(plot_id)}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{escape(plot_id)}-title" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{escape(plot_id)}-title">{escape(label)}</title>' + "".join(body) + "</svg>"
    )


def _axes(top: float, unit: str) -> list[str]:
    body = []
    inner = HEIGHT - TOP - BOTTOM
    for fraction in (0, 0.5, 1):
        y = TOP + inner * (1 - fraction)
        body.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_number(top * fraction))}{escape(unit)}</text>"
        )
    return body


def _category_labels(categories: Sequence[str], slot: float) -> list[str]:
    # Every label when few, else one in n so that they never overlap.
    every = max(1, round(len(categories) / 13 + 0.49))
    body = []
    for index, name in enumerate(categories):
        if index % every == 0:
            x = LEFT + slot * (index + 0.5)
            body.append(
                f'<text class="tick" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle">{escape(name)}</text>'
            )
    return body


def bars(
    plot_id: str, label: str, categories: Sequence[str], series: Sequence[Series], unit: str = ""
) -> Markup:
    """Vertical bars, one group per category (a week), one bar per series."""
    values = [v for s in series for v in s.values if v is not None]
    top = _nice_max(max(values, default=0))
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = inner_w / max(1, len(categories))
    bar_w = slot * 0.8 / max(1, len(series))
    body = _axes(top, unit)
    for s_index, s in enumerate(series):
        for c_index, value in enumerate(s.values):
            if value is None:
                continue
            h = inner_h * value / top
            x = LEFT + slot * c_index + slot * 0.1 + bar_w * s_index
            body.append(
                f'<rect class="bar s{s_index}" data-series="{escape(s.name)}" '
                f'data-category="{escape(categories[c_index])}" data-value="{escape(_number(value))}" '
                f'x="{x:.1f}" y="{TOP + inner_h - h:.1f}" width="{max(bar_w - 1, 1):.1f}" '
                f'height="{h:.1f}"><title>{escape(categories[c_index])} · {escape(s.name)}: '
                f"{escape(_number(value))}{escape(unit)}</title></rect>"
            )
    body += _category_labels(categories, slot)
    body += _legend(series)
    return _frame(plot_id, label, body)


def line(
    plot_id: str, label: str, categories: Sequence[str], series: Series, unit: str = ""
) -> Markup:
    """A line through the weeks that have a value (gaps where there is none)."""
    values = [v for v in series.values if v is not None]
    top = _nice_max(max(values, default=0))
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = inner_w / max(1, len(categories))
    body = _axes(top, unit)
    points: list[tuple[float, float]] = []
    paths: list[list[tuple[float, float]]] = [[]]
    for index, value in enumerate(series.values):
        if value is None:
            paths.append([])
            continue
        x, y = LEFT + slot * (index + 0.5), TOP + inner_h * (1 - value / top)
        points.append((x, y))
        paths[-1].append((x, y))
        body.append(
            f'<circle class="point s0" data-category="{escape(categories[index])}" '
            f'data-value="{escape(_number(value))}" cx="{x:.1f}" cy="{y:.1f}" r="4">'
            f"<title>{escape(categories[index])}: {escape(_number(value))}{escape(unit)}</title>"
            "</circle>"
        )
    for path in paths:
        if len(path) > 1:
            d = " ".join(f"{x:.1f},{y:.1f}" for x, y in path)
            body.insert(len(_axes(top, unit)), f'<polyline class="line s0" points="{d}"/>')
    body += _category_labels(categories, slot)
    return _frame(plot_id, label, body)


def hbars(
    plot_id: str, label: str, labels: Sequence[str], values: Sequence[float], unit: str = ""
) -> Markup:
    """Horizontal bars, one per label (a tag, a helper), largest first as given."""
    row, label_w = 24, 170
    height = TOP + row * max(1, len(labels)) + 8
    top = _nice_max(max(values, default=0))
    inner_w = WIDTH - label_w - RIGHT - 40
    body = []
    for index, (name, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + row * index
        w = inner_w * value / top
        shown = name if len(name) <= 24 else name[:23] + "…"
        body.append(
            f'<text class="tick" x="{label_w - 8}" y="{y + 15}" text-anchor="end">'
            f"{escape(shown)}</text>"
            f'<rect class="bar s0" data-category="{escape(name)}" data-value="{escape(_number(value))}" '
            f'x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row - 8}">'
            f"<title>{escape(name)}: {escape(_number(value))}{escape(unit)}</title></rect>"
            f'<text class="value" x="{label_w + w + 6:.1f}" y="{y + 15}">'
            f"{escape(_number(value))}{escape(unit)}</text>"
        )
    return _frame(plot_id, label, body, height)


def _legend(series: Sequence[Series]) -> list[str]:
    if len(series) < 2:
        return []
    body, x = [], LEFT
    for index, s in enumerate(series):
        body.append(
            f'<rect class="swatch s{index}" x="{x}" y="{HEIGHT - 12}" width="10" height="10"/>'
            f'<text class="tick" x="{x + 14}" y="{HEIGHT - 3}">{escape(s.name)}</text>'
        )
        x += 24 + 7 * len(s.name)
    return body
