"""Text burned into the pixels: which frames can hold it, reading them with an OCR engine, and
what the words mean for the privacy review.

Python decides what to read and what a text means; the engine only recognises words in an
8-bit grey image (dark text on a light background) and says where they are. Engines are
plugins (:mod:`.engine`), as pydicom's pixel decoders are: the command line registers
Tesseract through ``pytesseract`` (:mod:`dicompeek.app.ocr_tesseract`, the ``[ocr]`` extra); the
page will register tesseract.js through the same bridge as its codecs.

Modules: ``engine`` (Word, the engine protocol, the registry), ``frames`` (which files and
frames are read, and how a frame is prepared for OCR), ``meaning`` (words to findings:
identities and identifier patterns high, other legible text medium, harmless labels info),
``reader`` (the pass over the picked files).
"""
