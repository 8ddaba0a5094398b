"""Bytes in: picked files, the zip directory and entry streams, limits on hostile input. No DICOM knowledge."""
