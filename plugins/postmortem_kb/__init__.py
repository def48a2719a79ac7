"""postmortem-kb: a knowledge base of blameless incident postmortems."""

__version__ = "0.1.0"
