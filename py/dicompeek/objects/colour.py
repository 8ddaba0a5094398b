"""Colours as DICOM states them, in the sRGB the page draws with.

Why a module of its own: segmentations (Segment Sequence) and presentation states (Graphic Layer
Sequence, line and text styles) give colours the same way, as a Recommended Display CIELab Value
(PS3.3 C.10.7.1.1); one conversion serves both.
"""

from __future__ import annotations

from collections.abc import Sequence


def cielab_to_srgb(value: Sequence[int]) -> tuple[int, int, int]:
    """PS3.3 C.10.7.1.1: a Recommended Display CIELab Value (L*, a*, b* scaled to 0..65535: L*
    0..100, a* and b* -128..127) as 8-bit sRGB: CIELab → XYZ (D65 white) → linear sRGB (IEC
    61966-2-1 matrix) → the sRGB transfer curve; colours outside sRGB are clamped."""
    lightness = value[0] * 100.0 / 65535.0
    a_star = value[1] * 255.0 / 65535.0 - 128.0
    b_star = value[2] * 255.0 / 65535.0 - 128.0
    fy = (lightness + 16.0) / 116.0
    fx, fz = fy + a_star / 500.0, fy - b_star / 200.0

    def inverse(t: float) -> float:
        return t ** 3 if t > 6.0 / 29.0 else 3.0 * (6.0 / 29.0) ** 2 * (t - 4.0 / 29.0)

    x, y, z = 0.95047 * inverse(fx), inverse(fy), 1.08883 * inverse(fz)
    linear = (3.2406 * x - 1.5372 * y - 0.4986 * z,
              -0.9689 * x + 1.8758 * y + 0.0415 * z,
              0.0557 * x - 0.2040 * y + 1.0570 * z)

    def gamma(c: float) -> int:
        c = min(max(c, 0.0), 1.0)
        c = 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055
        return round(c * 255.0)

    red, green, blue = (gamma(c) for c in linear)
    return red, green, blue
