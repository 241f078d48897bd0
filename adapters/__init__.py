"""Adapters: each translates one platform's events into core commands and core replies into its messages."""
