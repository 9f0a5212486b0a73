"""The language server: a thin pygls adapter over the codepal core."""
