// A golden case for the language registry.
/* A block comment */
func greet(_ name: String) -> String { "hello \(name)" }
