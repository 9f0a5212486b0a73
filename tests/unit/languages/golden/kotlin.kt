// A golden case for the language registry.
/* A block comment */
fun greet(name: String) = "hello $name"
