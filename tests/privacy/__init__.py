"""Tests of dicompeek.privacy, mirroring the package (a package, so that their basenames may repeat others)."""
