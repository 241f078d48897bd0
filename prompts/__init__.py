"""The practice-sharing prompt library: TOML data only; this file makes it an installable package."""
