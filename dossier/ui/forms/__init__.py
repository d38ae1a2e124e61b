"""Editing forms, undo/redo, history, as-of and merge (issue 8); `controller.install(window)`."""
