"""``python -m dicompeek``: the command line (see :mod:`dicompeek.app.cli`)."""

import os
import sys

try:
    from dicompeek.app.cli import main
except Exception as exc:  # a broken installation (a module or data file missing): one line, as any failure
    if os.environ.get("DICOMPEEK_DEBUG", "") not in ("", "0"):
        raise
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    print(f"dicompeek: internal error: cannot load the command line: {type(exc).__name__}: {text}"[:500],
          file=sys.stderr)
    sys.exit(2)

sys.exit(main())
