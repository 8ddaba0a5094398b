"""Incremental indexing, the records it keeps, series order and geometry, the patient/study/series summary."""
