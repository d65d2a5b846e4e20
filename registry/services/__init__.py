"""Use cases: load, decide with the domain, persist, emit events."""
