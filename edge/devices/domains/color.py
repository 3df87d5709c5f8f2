"""Colour conversions as Home Assistant's ``color_util`` does them (RGB <-> CIE xy, RGB <-> hue/saturation)."""

from __future__ import annotations

import colorsys

RGB = tuple[int, int, int]


def rgb_to_xy(rgb: RGB) -> tuple[float, float]:
    def linear(c: int) -> float:
        v = c / 255.0
        return ((v + 0.055) / 1.055) ** 2.4 if v > 0.04045 else v / 12.92

    r, g, b = (linear(c) for c in rgb)
    x = r * 0.664511 + g * 0.154324 + b * 0.162028
    y = r * 0.283881 + g * 0.668433 + b * 0.047685
    z = r * 0.000088 + g * 0.072310 + b * 0.986039
    total = x + y + z
    if total == 0:
        return 0.0, 0.0
    return round(x / total, 4), round(y / total, 4)


def xy_to_rgb(x: float, y: float) -> RGB:
    if y <= 0:
        return 0, 0, 0
    big_y = 1.0
    big_x = big_y / y * x
    big_z = big_y / y * (1 - x - y)
    r = big_x * 1.656492 - big_y * 0.354851 - big_z * 0.255038
    g = -big_x * 0.707196 + big_y * 1.655397 + big_z * 0.036152
    b = big_x * 0.051713 - big_y * 0.121364 + big_z * 1.011530

    def gamma(c: float) -> float:
        return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055

    channels = [max(0.0, gamma(max(c, 0.0))) for c in (r, g, b)]
    top = max(channels)
    if top <= 0:
        return 0, 0, 0
    r8, g8, b8 = (int(round(c / top * 255)) for c in channels)
    return r8, g8, b8


def rgb_to_hs(rgb: RGB) -> tuple[float, float]:
    h, s, _ = colorsys.rgb_to_hsv(*(c / 255.0 for c in rgb))
    return round(h * 360, 3), round(s * 100, 3)


def hs_to_rgb(h: float, s: float) -> RGB:
    r, g, b = colorsys.hsv_to_rgb((h % 360) / 360.0, max(0.0, min(s, 100.0)) / 100.0, 1.0)
    return int(round(r * 255)), int(round(g * 255)), int(round(b * 255))
