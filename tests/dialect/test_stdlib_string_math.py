"""string.split and math.clamp/round/sign/noise as Luau defines them."""

from __future__ import annotations

import random

import numpy as np
import pytest


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ('("a,b,,c"):split(",")', "a|b||c"),
        ('string.split("a,b")', "a|b"),
        ('("abc"):split("")', "a|b|c"),
        ('(""):split(",")', ""),
        ('("a--b--"):split("--")', "a|b|"),
        ('("a.b"):split(".")', "a|b"),
        ('("aXXXb"):split("XX")', "a|Xb"),
        ('("nosep"):split(";")', "nosep"),
    ],
)
def test_split(lua, call, expected):
    assert lua.run(f'local parts = {call}\nprint(table.concat(parts, "|"), #parts)') == [
        f"{expected}\t{len(expected.split('|')) if expected else 1}"
    ]


def test_split_edge_cases(lua):
    assert lua.run('print(#(""):split(""), #string.split(12.5, "."))') == ["0\t2"]
    assert "invalid argument #1 to 'split' (string expected, got table)" in lua.error("string.split({})")


def test_clamp_sign_round(lua):
    src = """
print(math.clamp(5, 1, 3), math.clamp(-1, 0, 1), math.clamp(0.5, 0, 1))
print(math.sign(-2), math.sign(0), math.sign(3.5), math.sign(0 / 0))
print(math.round(2.5), math.round(-2.5), math.round(0.49999999999999994), math.round(-0.5), math.round(1.4))
"""
    assert lua.run(src) == ["3\t0\t0.5", "-1\t0\t1\t0", "3\t-3\t0\t-1\t1"]
    assert "max must be greater than or equal to min" in lua.error("math.clamp(1, 2, 1)")
    assert "invalid argument #1 to 'round' (number expected, got nil)" in lua.error("math.round()")


# Luau's math.noise in C (VM/src/lmathlib.cpp), rewritten with numpy float32 arithmetic.
_PERM = (
    "151 160 137 91 90 15 131 13 201 95 96 53 194 233 7 225 140 36 103 30 69 142 8 99 37 240 21 10 23 "
    "190 6 148 247 120 234 75 0 26 197 62 94 252 219 203 117 35 11 32 57 177 33 88 237 149 56 87 174 "
    "20 125 136 171 168 68 175 74 165 71 134 139 48 27 166 77 146 158 231 83 111 229 122 60 211 133 "
    "230 220 105 92 41 55 46 245 40 244 102 143 54 65 25 63 161 1 216 80 73 209 76 132 187 208 89 18 "
    "169 200 196 135 130 116 188 159 86 164 100 109 198 173 186 3 64 52 217 226 250 124 123 5 202 38 "
    "147 118 126 255 82 85 212 207 206 59 227 47 16 58 17 182 189 28 42 223 183 170 213 119 248 152 2 "
    "44 154 163 70 221 153 101 155 167 43 172 9 129 22 39 253 19 98 108 110 79 113 224 232 178 185 "
    "112 104 218 246 97 228 251 34 242 193 238 210 144 12 191 179 162 241 81 51 145 235 249 14 239 "
    "107 49 192 214 31 181 199 106 157 184 84 204 176 115 121 50 45 127 4 150 254 138 236 205 93 222 "
    "114 67 29 24 72 243 141 128 195 78 66 215 61 156 180 151 "
)
P = [int(x) for x in _PERM.split()]
G = [(1, 1, 0), (-1, 1, 0), (1, -1, 0), (-1, -1, 0), (1, 0, 1), (-1, 0, 1), (1, 0, -1), (-1, 0, -1)]
G += [(0, 1, 1), (0, -1, 1), (0, 1, -1), (0, -1, -1), (1, 1, 0), (0, -1, 1), (-1, 1, 0), (0, -1, -1)]
F = np.float32


def _fade(t):
    return t * t * t * (t * (t * F(6) - F(15)) + F(10))


def _lerp(t, a, b):
    return a + t * (b - a)


def _grad(h, x, y, z):
    g = G[h & 15]
    return F(g[0]) * x + F(g[1]) * y + F(g[2]) * z


def perlin(x: float, y: float, z: float) -> float:
    x, y, z = F(x), F(y), F(z)
    xf0, yf0, zf0 = np.floor(x), np.floor(y), np.floor(z)
    xi, yi, zi = int(xf0) & 255, int(yf0) & 255, int(zf0) & 255
    xf, yf, zf = x - xf0, y - yf0, z - zf0
    u, v, w = _fade(xf), _fade(yf), _fade(zf)
    a = (P[xi] + yi) & 255
    aa, ab = (P[a] + zi) & 255, (P[a + 1] + zi) & 255
    b = (P[xi + 1] + yi) & 255
    ba, bb = (P[b] + zi) & 255, (P[b + 1] + zi) & 255
    one = F(1)
    la = _lerp(u, _grad(P[aa], xf, yf, zf), _grad(P[ba], xf - one, yf, zf))
    lb = _lerp(u, _grad(P[ab], xf, yf - one, zf), _grad(P[bb], xf - one, yf - one, zf))
    la1 = _lerp(u, _grad(P[aa + 1], xf, yf, zf - one), _grad(P[ba + 1], xf - one, yf, zf - one))
    lb1 = _lerp(u, _grad(P[ab + 1], xf, yf - one, zf - one), _grad(P[bb + 1], xf - one, yf - one, zf - one))
    return float(_lerp(w, _lerp(v, la, lb), _lerp(v, la1, lb1)))


def test_noise_matches_luau_float32_perlin(lua):
    noise = lua.env.math.noise
    rng = random.Random(7)
    points = [(rng.uniform(-500, 500), rng.uniform(-500, 500), rng.uniform(-500, 500)) for _ in range(1500)]
    points += [(i / 7, j / 3, 0.25) for i in range(-20, 20) for j in range(-10, 10)]
    for x, y, z in points:
        assert noise(x, y, z) == perlin(x, y, z), (x, y, z)


def test_noise_defaults_and_lattice(lua):
    src = "print(math.noise(1, 2, 3), math.noise(0.5) == math.noise(0.5, 0, 0), math.noise(-3.3) < 1)"
    assert lua.run(src) == ["0\ttrue\ttrue"]
    assert "invalid argument #1 to 'noise' (number expected, got nil)" in lua.error("math.noise()")
    assert "invalid argument #2 to 'noise' (number expected, got table)" in lua.error("math.noise(1, {})")
