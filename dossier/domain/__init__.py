"""Pure domain: dates, vocabularies, text and number rules.  No Qt, no SQL (import-linter checks)."""
