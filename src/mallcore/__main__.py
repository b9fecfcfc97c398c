"""``python -m mallcore``: the same as the ``mallcore`` command."""

from mallcore.cli import main

raise SystemExit(main())
