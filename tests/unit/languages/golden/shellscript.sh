#!/bin/sh
# A golden case for the language registry.
name="world"
echo "hello $name"  # a trailing comment
