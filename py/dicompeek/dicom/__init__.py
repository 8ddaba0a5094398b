"""The one guarded DICOM reader (header and whole instance), detection, read errors, UID names."""
