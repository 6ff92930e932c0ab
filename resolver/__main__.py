"""`python -m resolver` is the `passport-node` command."""

from resolver.cli import main

raise SystemExit(main())
