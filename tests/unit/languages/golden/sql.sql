-- A golden case for the language registry.
/* A block comment */
SELECT name FROM greetings; -- a trailing comment
