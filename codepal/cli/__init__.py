"""The `codepal` command line."""
