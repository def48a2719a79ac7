"""Records, findings, the rule registry and settings: what every other layer speaks. No MkDocs."""
