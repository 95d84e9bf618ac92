#!/usr/bin/env python3
"""Builds fonts/NotoSansCJKsc-Regular-subset.otf, the bundled CJK fallback font.

Source: Noto Sans CJK SC Regular (face 2 of NotoSansCJK-Regular.ttc in Debian's
fonts-noto-cjk 1:20220127+repack1-1), SIL Open Font License 1.1.

Coverage (the character sets are taken from Python's own codecs, so anyone can
regenerate the exact list without downloading a table):
  - GB 2312: every hanzi (levels 1 and 2, 6763 characters; simplified Chinese names,
    including place names such as 圳 in 深圳, which is level 2);
  - Big5 level 1: the 5401 frequently used traditional hanzi (drawn in the SC design);
  - JIS X 0208: level-1 kanji (2965), all hiragana and katakana, JIS symbols;
  - KS X 1001: the 2350 precomposed Hangul syllables and the Hangul compatibility jamo;
  - CJK symbols and punctuation (U+3000-303F), hiragana/katakana blocks
    (U+3040-30FF), katakana phonetic extensions (U+31F0-31FF), halfwidth and fullwidth
    forms (U+FF00-FFEF), enclosed CJK letters for ㈱ ㈲ (U+3231, U+3232) and ㍿ (U+337F).

Usage:
  python3 -m venv /tmp/ft && /tmp/ft/bin/pip install fonttools==4.68.0
  apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb /tmp/noto
  /tmp/ft/bin/python fonts/make-cjk-subset.py \
      /tmp/noto/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc fonts/
"""

import subprocess
import sys
from pathlib import Path


def decodable(codec, lead_range, trail_range):
    """Characters of a two-byte EUC-style codec for lead bytes in `lead_range`."""
    out = set()
    for lead in lead_range:
        for trail in trail_range:
            try:
                s = bytes([lead, trail]).decode(codec)
            except UnicodeDecodeError:
                continue
            if len(s) == 1:
                out.add(s)
    return out


def coverage():
    chars = set()
    # GB 2312 (EUC-CN): rows 16-87 (lead 0xB0-0xF7) are hanzi; rows 1-9 symbols,
    # punctuation, kana, full-width forms.
    chars |= decodable("gb2312", range(0xA1, 0xAA), range(0xA1, 0xFF))
    chars |= decodable("gb2312", range(0xB0, 0xF8), range(0xA1, 0xFF))
    # JIS X 0208 (EUC-JP): rows 1-8 symbols and kana, rows 16-47 level-1 kanji.
    chars |= decodable("euc_jp", range(0xA1, 0xA9), range(0xA1, 0xFF))
    chars |= decodable("euc_jp", range(0xB0, 0xD0), range(0xA1, 0xFF))
    # Big5 level 1 (0xA440-0xC67E): the 5401 frequently used traditional hanzi.
    big5 = decodable("big5", range(0xA4, 0xC7), list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)))
    chars |= {c for c in big5 if c.encode("big5") <= b"\xc6\x7e"}
    # KS X 1001 (EUC-KR): rows 16-40 (lead 0xB0-0xC8) Hangul syllables; row 4 jamo.
    chars |= decodable("euc_kr", range(0xB0, 0xC9), range(0xA1, 0xFF))
    chars |= decodable("euc_kr", range(0xA4, 0xA5), range(0xA1, 0xFF))
    ranges = [(0x3000, 0x303F), (0x3040, 0x30FF), (0x31F0, 0x31FF), (0xFF00, 0xFFEF)]
    for lo, hi in ranges:
        chars |= {chr(c) for c in range(lo, hi + 1)}
    chars |= {"\u3231", "\u3232", "\u337f", " "}
    # Latin, Greek and Cyrillic come from DejaVu Sans (earlier in the chain).
    return sorted(c for c in chars if ord(c) >= 0x2000 or c == " ")


def main():
    src, outdir = Path(sys.argv[1]), Path(sys.argv[2])
    chars = coverage()
    unicodes = ",".join(f"U+{ord(c):04X}" for c in chars)
    out = outdir / "NotoSansCJKsc-Regular-subset.otf"
    cmd = [
        sys.executable, "-m", "fontTools.subset", str(src),
        "--font-number=2",  # Noto Sans CJK SC
        f"--unicodes={unicodes}",
        "--layout-features=kern,ccmp",
        "--no-hinting",
        "--name-IDs=0,1,2,3,4,5,6,13,14",
        "--name-languages=0x0409",
        f"--output-file={out}",
    ]
    subprocess.run(cmd, check=True)
    print(f"{len(chars)} characters -> {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
