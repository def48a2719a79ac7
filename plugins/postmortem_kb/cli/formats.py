"""The output formats of the commands, declared once (so ``postmortem check`` can offer them
without importing the modules that write them)."""

FINDING_FORMATS = ("text", "json", "github")  # postmortem check
ACTION_FORMATS = ("table", "json", "csv", "markdown")  # postmortem actions
