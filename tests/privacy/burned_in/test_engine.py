"""The engines' common answer: Tesseract's TSV, as pytesseract and tesseract.js give it."""

from __future__ import annotations

import numpy as np

from dicompeek.privacy.burned_in.engine import Word, pgm, words_from_tsv

HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"


def test_words_come_from_word_rows_with_or_without_the_header_row():
    rows = ["1\t1\t0\t0\t0\t0\t0\t0\t640\t480\t-1\t",  # the page
            "4\t1\t1\t1\t1\t0\t12\t8\t300\t20\t-1\t",  # a line
            "5\t1\t1\t1\t1\t1\t12\t8\t120\t20\t96.5\tKOWALSKI",
            "5\t1\t1\t1\t1\t2\t140\t8\t90\t20\t91\tJANINA",
            "5\t1\t1\t1\t1\t3\t240\t8\t9\t20\t95\t "]  # an empty word
    words = [Word("KOWALSKI", 96.5, 12, 8, 120, 20), Word("JANINA", 91.0, 140, 8, 90, 20)]
    assert words_from_tsv("\n".join([HEADER, *rows])) == words
    assert words_from_tsv("\n".join(rows) + "\n") == words  # tesseract.js: no header row


def test_a_broken_row_is_skipped_not_fatal():
    assert words_from_tsv("5\t1\t1\t1\t1\t1\tx\t8\t1\t1\t90\tWORD\n5\t1") == []


def test_an_image_is_handed_over_as_a_binary_pgm():
    image = np.arange(6, dtype=np.uint8).reshape(2, 3)
    assert pgm(image) == b"P5\n3 2\n255\n" + bytes(range(6))
