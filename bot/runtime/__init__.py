"""The composition root: settings, engine, store, core and adapters wired together."""
