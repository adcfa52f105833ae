"""Rendered Chinese test pages for the OCR tests and the OCR bench (no test functions here).

`render_page()` draws a cropped A4-width form at 200 DPI with known text, a ruled table and a red
semi-transparent seal over a date, and returns the image with the boxes of what it drew.
The degrade helpers turn it into a scan or a phone photo: skew, blur, JPEG, rotation, uneven light.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFilter, ImageFont

DPI = 200
FONT_SANS = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONT_SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
FONT_ZENHEI = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
FONT_KAI = "/usr/share/fonts/truetype/arphic/ukai.ttc"

KEY_LINES = (
    "姓名：张伟  性别：男",
    "出生日期：1992年3月12日",
    "公民身份号码：140522199203120017",
    "考核等次：合格",
    "申报专业：矿井通风与安全工程",
)
KEY_TEXTS = (
    "张伟",
    "1992年3月12日",
    "140522199203120017",
    "合格",
    "矿井通风与安全工程",
)
TABLE = (
    ("年度", "考核等次", "工作单位"),
    ("2021年", "合格", "晋城煤业集团"),
    ("2022年", "优秀", "晋城煤业集团"),
)
SEAL_DATE = "2023年6月18日"


@dataclass
class RenderedPage:
    image: Image.Image
    lines: list[str]  # ground truth, top to bottom
    boxes: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)  # text -> bbox drawn


def render_page(font_path: str = FONT_SANS, *, size: int = 36, seal: bool = True) -> RenderedPage:
    """An upright page, 1654 px wide (A4 at 200 DPI), cropped below the last line."""
    width, height = 1654, 1250
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(font_path, size)
    title_font = ImageFont.truetype(font_path, size + 12)
    lines: list[str] = []
    boxes: dict[str, tuple[int, int, int, int]] = {}

    def text(x: int, y: int, s: str, f=font) -> None:
        draw.text((x, y), s, font=f, fill=(20, 20, 20))
        lines.append(s)

    def box_of(x: int, y: int, prefix: str, s: str) -> tuple[int, int, int, int]:
        x0 = x + draw.textlength(prefix, font=font)
        bb = draw.textbbox((x0, y), s, font=font)
        return tuple(int(v) for v in bb)

    text(560, 60, "专业技术职务任职资格评审表", title_font)
    y = 170
    for s in KEY_LINES:
        text(160, y, s)
        prefix, _, value = s.partition("：")
        if s.startswith("姓名"):
            value = "张伟"
        boxes[value] = box_of(160, y, prefix + "：", value)
        y += 70
    # ruled table: psm 6 used to drop these, keep one in every test page
    col_x = (160, 460, 800, 1300)
    row_y = [y + 20 + i * 70 for i in range(len(TABLE) + 1)]
    for x in col_x:
        draw.line([(x, row_y[0]), (x, row_y[-1])], fill=(0, 0, 0), width=3)
    for ry in row_y:
        draw.line([(col_x[0], ry), (col_x[-1], ry)], fill=(0, 0, 0), width=3)
    for r, row in enumerate(TABLE):
        for c, cell in enumerate(row):
            draw.text((col_x[c] + 20, row_y[r] + 14), cell, font=font, fill=(20, 20, 20))
        lines.append("".join(row))
    y = row_y[-1] + 60
    text(160, y, "单位意见：同意推荐，情况属实。")
    y += 90
    text(900, y, "（盖章）")
    y += 70
    text(900, y, SEAL_DATE)
    boxes[SEAL_DATE] = box_of(900, y, "", SEAL_DATE)
    if seal:
        _draw_seal(img, center=(1010, y + 10), radius=130)
    return RenderedPage(img, lines, boxes)


def _draw_seal(img: Image.Image, center: tuple[int, int], radius: int) -> None:
    """A red round seal (ring, star, arc of text), semi-transparent like ink over print."""
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    red = (220, 30, 40, 190)
    cx, cy = center
    d.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], outline=red, width=9)
    star = []
    for k in range(10):
        r = 38 if k % 2 == 0 else 15
        a = -math.pi / 2 + k * math.pi / 5
        star.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    d.polygon(star, fill=red)
    f = ImageFont.truetype(FONT_SANS, 30)
    seal_text = "晋城煤业集团有限公司"
    for i, ch in enumerate(seal_text):
        a = math.radians(-150 + i * 120 / (len(seal_text) - 1))
        x, y = cx + (radius - 32) * math.cos(a), cy + (radius - 32) * math.sin(a)
        glyph = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((4, 0), ch, font=f, fill=red)
        glyph = glyph.rotate(-math.degrees(a) - 90, expand=False)
        layer.alpha_composite(glyph, (int(x - 20), int(y - 20)))
    d.text((cx - 60, cy + 50), "人事专用章", font=f, fill=red)
    base = img.convert("RGBA")
    # multiply-like blend: the seal darkens, it never whitens the text below
    blended = Image.alpha_composite(base, layer).convert("RGB")
    from PIL import ImageChops

    img.paste(ImageChops.darker(img, blended))


# ---- degradations ---------------------------------------------------------------------------


def skew(img: Image.Image, degrees: float) -> Image.Image:
    """Turn the content `degrees` anticlockwise (PIL convention), white fill."""
    return img.rotate(degrees, resample=Image.BICUBIC, expand=True, fillcolor="white")


def blur(img: Image.Image, radius: float = 1.2) -> Image.Image:
    return img.filter(ImageFilter.GaussianBlur(radius))


def jpeg(img: Image.Image, quality: int = 35) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def turn_clockwise(img: Image.Image, degrees: int) -> Image.Image:
    """The page lies turned `degrees` clockwise; normalisation must report (360 - degrees) % 360."""
    return img.rotate(-degrees, expand=True) if degrees else img


def uneven_light(img: Image.Image) -> Image.Image:
    """A phone photo: grey paper, darker towards one corner."""
    import numpy as np

    a = np.asarray(img).astype(np.float32)
    h, w = a.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    shade = 0.55 + 0.35 * (1 - (xx / w * 0.6 + yy / h * 0.4))
    return Image.fromarray(np.clip(a * shade[..., None], 0, 255).astype("uint8"))


def scan(img: Image.Image) -> Image.Image:
    return jpeg(blur(skew(img, 2.0), 0.8), 50)
