"""The header as a tree, values as shown, series variation and comparison, exports."""
