"""Explain and fix in the editor: command arguments, progress, results, edits."""
