"""Entry points: the Web Worker's API and the command line. Nothing below imports this layer."""
