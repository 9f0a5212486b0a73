<?php
// A golden case for the language registry.
/* A block comment */
function greet($name) { return "hello $name"; }
