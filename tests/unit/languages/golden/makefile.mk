# A golden case for the language registry.
all: hello

hello:
	echo hello
