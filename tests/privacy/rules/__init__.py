"""Tests of dicompeek.privacy.rules: one module per rule family, and the registry's merge contract."""
