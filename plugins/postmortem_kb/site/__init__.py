"""The MkDocs site: the plugin's hooks, its pages and their HTML (the only layer importing
MkDocs)."""
