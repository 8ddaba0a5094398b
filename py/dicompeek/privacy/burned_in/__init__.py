"""Text burned into the pixels: which frames can hold it, reading them with an OCR engine, and
what the words mean for the privacy review.

Python decides what to read and what a text means; the engine only recognises words in an
8-bit grey image (dark text on a light background) and says where they are. Engines are
plugins (:mod:`.engine`) answering in Tesseract's TSV: the command line uses Tesseract through
``pytesseract`` (:mod:`dicompeek.app.ocr_tesseract`, the ``[ocr]`` extra); the page hands each
prepared image to tesseract.js in a worker of its own (``web/ocr.js``) and gives the TSV back.

Modules: ``engine`` (Word, the engine protocol, the registry), ``frames`` (which files and
frames are read, and how a frame is prepared for OCR), ``meaning`` (words to findings:
identities and identifier patterns high, other legible text medium, harmless labels info),
``reader`` (the pass over the picked files, one image at a time, in parts merged in order).
"""
