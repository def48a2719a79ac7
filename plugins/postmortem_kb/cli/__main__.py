"""``python -m postmortem_kb.cli``."""

from postmortem_kb.cli.main import main

main()
