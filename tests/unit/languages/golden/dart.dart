// A golden case for the language registry.
/* A block comment */
String greet(String name) => "hello $name";
