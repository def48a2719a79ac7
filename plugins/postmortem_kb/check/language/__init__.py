"""Blameless-language checks; the rules are data, in ``rules.yml``."""
