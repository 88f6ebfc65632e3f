// Package rules decides, from a user's trusted facts, which value (typically an
// activity id) a marketer's decision tree leads to.
//
// A tree is authored as a JSON [Document]: a schema of typed facts, a root, and
// nodes that either branch or end. A branching node holds ordered edges; each
// edge has a condition — an expr-lang expression such as
// "level >= 3 && 'vip' in tags" or a structured {"fact","op","value"} test — and
// the first edge whose condition holds is followed. An edge without a condition
// is the node's default and must come last. A leaf node carries the result.
//
// [Compile] does all the expensive and fallible work once: it type-checks every
// expression against the schema, checks structured conditions against the
// fact's type, validates the shape (one root, every node reachable, no cycles,
// defaults last) and enforces limits, reporting every problem at once in a
// [*CompileError] so that an editor can show them all. Documents come from
// marketers through an API, so limits on size, depth and expression complexity,
// and a restricted expression language (no variables, no string-multiplying or
// nested-closure constructs), keep a hostile document from exhausting the server.
//
// [Tree.Evaluate] is then cheap and safe for concurrent use: it reuses the
// compiled programs and pooled virtual machines, and never fails on data. A
// fact that is missing — absent, null, or not convertible to its schema type —
// is never guessed at: the first edge of a node whose condition reads it sends
// the walk down that node's default edge, and the path says which fact was
// missing. A node without a default ends the walk with [ErrNoMatch], as does
// one where no edge matches. Facts decoded from JSON (float64 numbers, []any
// arrays, RFC 3339 times) are coerced to the schema's types on the way in.
//
// The facts "now" (time) and "registered_days" (int) are always declared, so
// every tree may test the time of the draw and the age of the account; callers
// supply their values like any other fact.
package rules
