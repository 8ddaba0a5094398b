"""DICOM Peek: look inside zip exports of DICOM data without sending them anywhere."""

__version__ = "0.1.0"
