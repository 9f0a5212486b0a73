"""One module a concept; each has `register(server)`."""
