"""Frames for the viewer: decoder plugins, functional groups, the display pipeline, PNG."""
