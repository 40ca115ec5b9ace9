"""`python -m copilot` is the `copilot` command."""

from copilot.cli import main

raise SystemExit(main())
