// A golden case for the language registry.
/* A block comment
   over two lines. */
class Golden { static string Greet(string name) => $"hello {name}"; }
