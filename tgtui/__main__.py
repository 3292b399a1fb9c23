"""Allow ``python -m tgtui``."""

from tgtui.cli import main

raise SystemExit(main())
