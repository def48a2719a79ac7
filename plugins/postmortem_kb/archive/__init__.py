"""All postmortems of a build: loaded once (through the cache), indexed once, exported."""
