"""The Qt shell: widgets over the services; never SQL (import-linter checks)."""
