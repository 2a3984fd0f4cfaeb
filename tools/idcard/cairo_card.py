"""Second, independent card renderer: cairo + Pango (Debian's python3-gi, python3-gi-cairo, gir1.2-pango-1.0).

Run by Debian's own Python 3 (/usr/bin/python3), NOT the project's virtualenv: it shares no code, no fonts and
no drawing library with tools/idcard/generator.py (PIL + Noto/DejaVu). Fonts: WenQuanYi Micro Hei (values),
AR PL UKai (labels, a brush face unlike the real card's, on purpose), DejaVu Sans Mono with wide letter spacing
for the number (OCR-B-like). The background is vector guilloche: hypotrochoid rosettes, interfering wave lines
and a translucent rainbow band (hologram sheen), all drawn with cairo strokes.

Input (stdin): a JSON list of {"name", "sex", "ethnicity", "year", "month", "day", "address", "id_number",
"seed", "out"}; writes one PNG (1712 x 1080, RGB) per item to its "out" path.
"""

import json
import math
import random
import sys

import cairo
import gi

gi.require_version("Pango", "1.0")
gi.require_version("PangoCairo", "1.0")
from gi.repository import Pango, PangoCairo  # noqa: E402

W, H = 1712, 1080


def rounded(ctx, x, y, w, h, r):
    ctx.new_sub_path()
    ctx.arc(x + w - r, y + r, r, -math.pi / 2, 0)
    ctx.arc(x + w - r, y + h - r, r, 0, math.pi / 2)
    ctx.arc(x + r, y + h - r, r, math.pi / 2, math.pi)
    ctx.arc(x + r, y + r, r, math.pi, 1.5 * math.pi)
    ctx.close_path()


def background(ctx, rng):
    grad = cairo.LinearGradient(0, 0, W, H)
    grad.add_color_stop_rgb(0, 0.90 + rng.uniform(-0.02, 0.02), 0.93, 0.96)
    grad.add_color_stop_rgb(0.55, 0.95, 0.92 + rng.uniform(-0.02, 0.02), 0.93)
    grad.add_color_stop_rgb(1, 0.93, 0.95, 0.97)
    ctx.set_source(grad)
    ctx.paint()
    # interfering wave lines (guilloche)
    ctx.set_line_width(1.2)
    for k in range(70):
        phase = rng.uniform(0, 6.28)
        amp = rng.uniform(8, 30)
        y0 = k * H / 70
        ctx.set_source_rgba(0.45, 0.62, 0.85, 0.22)
        ctx.move_to(0, y0)
        for x in range(0, W + 8, 8):
            ctx.line_to(x, y0 + amp * math.sin(x / 90.0 + phase) + 0.5 * amp * math.sin(x / 33.0 + k))
        ctx.stroke()
    # rosettes (hypotrochoids)
    for _ in range(3):
        cx, cy = rng.uniform(0.2, 0.8) * W, rng.uniform(0.2, 0.8) * H
        big, small, d = rng.uniform(180, 300), rng.uniform(20, 70), rng.uniform(40, 140)
        ctx.set_source_rgba(0.85, 0.45, 0.6, 0.20)
        ctx.set_line_width(1.0)
        steps = 3000
        for i in range(steps + 1):
            t = i / steps * 2 * math.pi * 20
            x = (big - small) * math.cos(t) + d * math.cos((big - small) / small * t)
            y = (big - small) * math.sin(t) - d * math.sin((big - small) / small * t)
            (ctx.move_to if i == 0 else ctx.line_to)(cx + x, cy + y * 0.8)
        ctx.stroke()
    # hologram sheen: translucent rainbow band
    sheen = cairo.LinearGradient(rng.uniform(0, W / 2), 0, rng.uniform(W / 2, W), H)
    colours = ((1, 0.6, 0.6), (1, 1, 0.6), (0.6, 1, 0.7), (0.6, 0.8, 1), (0.9, 0.6, 1))
    for i, (r, g, b) in enumerate(colours):
        sheen.add_color_stop_rgba(0.3 + i * 0.08, r, g, b, 0.10)
    sheen.add_color_stop_rgba(0.25, 1, 1, 1, 0)
    sheen.add_color_stop_rgba(0.7, 1, 1, 1, 0)
    ctx.set_source(sheen)
    ctx.paint()


def portrait(ctx, rng):
    x0, y0, x1, y1 = 0.62 * W, 0.12 * H, 0.92 * W, 0.76 * H
    cx = (x0 + x1) / 2 + rng.uniform(-15, 15)
    shade = rng.uniform(0.45, 0.65)
    ctx.set_source_rgb(shade + 0.08, shade + 0.04, shade)
    ctx.save()
    ctx.translate(cx, y0 + 0.30 * (y1 - y0))
    ctx.scale(120, 150)
    ctx.arc(0, 0, 1, 0, 2 * math.pi)
    ctx.restore()
    ctx.fill()
    ctx.save()
    ctx.translate(cx, y1 + 40)
    ctx.scale(230, 210)
    ctx.arc(0, 0, 1, math.pi, 2 * math.pi)
    ctx.restore()
    ctx.fill()
    hair = rng.uniform(0.08, 0.25)
    ctx.set_source_rgb(hair, hair, hair)
    ctx.save()
    ctx.translate(cx, y0 + 0.22 * (y1 - y0))
    ctx.scale(128, 110)
    ctx.arc(0, 0, 1, math.pi, 2 * math.pi)
    ctx.restore()
    ctx.fill()


def text(ctx, x, y, value, family, size, rgba, spacing=0.0, bold=False):
    layout = PangoCairo.create_layout(ctx)
    desc = Pango.FontDescription(f"{family} {'Bold ' if bold else ''}{size}")
    desc.set_absolute_size(size * Pango.SCALE)
    layout.set_font_description(desc)
    if spacing:
        attrs = Pango.AttrList()
        attrs.insert(Pango.attr_letter_spacing_new(int(spacing * Pango.SCALE)))
        layout.set_attributes(attrs)
    layout.set_text(value, -1)
    ctx.set_source_rgba(*rgba)
    ctx.move_to(x, y)
    PangoCairo.show_layout(ctx, layout)


def card(item):
    rng = random.Random(item["seed"])
    surface = cairo.ImageSurface(cairo.FORMAT_RGB24, W, H)
    ctx = cairo.Context(surface)
    background(ctx, rng)
    portrait(ctx, rng)
    label_alpha = rng.uniform(0.55, 0.95)
    label = (0.25, 0.55, 0.80, label_alpha)
    pale_name = (0.55, 0.72, 0.88, 0.5) if rng.random() < 0.3 else label  # embossed-looking, barely visible
    ink = (0.05, 0.05, 0.06, 1)
    lf, vf = "AR PL UKai CN", "WenQuanYi Micro Hei"
    ls, vs = 40, 58
    text(ctx, 0.085 * W, 0.12 * H, "姓 名", lf, ls, pale_name, spacing=10)
    text(ctx, 0.19 * W, 0.105 * H, item["name"], vf, vs + 6, ink)
    text(ctx, 0.085 * W, 0.245 * H, "性 别", lf, ls, label, spacing=10)
    text(ctx, 0.19 * W, 0.23 * H, item["sex"], vf, vs, ink)
    text(ctx, 0.33 * W, 0.245 * H, "民 族", lf, ls, label, spacing=10)
    text(ctx, 0.43 * W, 0.23 * H, item["ethnicity"], vf, vs, ink)
    text(ctx, 0.085 * W, 0.37 * H, "出 生", lf, ls, label, spacing=10)
    text(ctx, 0.19 * W, 0.355 * H, str(item["year"]), vf, vs, ink)
    text(ctx, 0.305 * W, 0.37 * H, "年", lf, ls, label)
    text(ctx, 0.35 * W, 0.355 * H, str(item["month"]), vf, vs, ink)
    text(ctx, 0.40 * W, 0.37 * H, "月", lf, ls, label)
    text(ctx, 0.44 * W, 0.355 * H, str(item["day"]), vf, vs, ink)
    text(ctx, 0.49 * W, 0.37 * H, "日", lf, ls, label)
    text(ctx, 0.085 * W, 0.495 * H, "住 址", lf, ls, label, spacing=10)
    address = item["address"]
    for i in range(0, min(len(address), 33), 11):
        text(ctx, 0.19 * W, (0.48 + i / 11 * 0.085) * H, address[i : i + 11], vf, vs - 4, ink)
    text(ctx, 0.085 * W, 0.835 * H, "公民身份号码", lf, ls, label, spacing=4)
    text(ctx, 0.335 * W, 0.815 * H, item["id_number"], "DejaVu Sans Mono", 66, ink, spacing=12, bold=True)
    # the card outline: rounded corners cut to the desk later (the caller masks them)
    surface.write_to_png(item["out"])


def main():
    for item in json.load(sys.stdin):
        card(item)


if __name__ == "__main__":
    main()
