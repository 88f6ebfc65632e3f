package rules

// Limits bound what one document may ask of the server. The defaults are far
// above what a hand-authored tree needs and far below what hurts: compiling
// the largest allowed document takes well under a second, and one evaluation
// visits at most MaxDepth nodes and does at most MaxWalkCost units of work.
type Limits struct {
	MaxNodes        int   // nodes per document
	MaxDepth        int   // edges on the longest path from the root
	MaxEdgesPerNode int   // edges of one node
	MaxEdges        int   // edges of the whole document, hence expressions to compile
	MaxFacts        int   // facts declared in the schema
	MaxExprLength   int   // bytes of one expression
	MaxExprNodes    int   // syntax tree nodes of one expression
	MemoryBudget    uint  // expr VM memory units one condition may use (ranges, closures)
	MaxWalkCost     int64 // work one evaluation may cost at most (see cost.go)
	MaxValues       int   // values in the list of one structured in or not_in
	MaxPatternSize  int   // instructions one regular expression compiles to (see pattern.go)
	MaxPatternsSize int   // instructions all of a document's regular expressions compile to
}

// DefaultLimits returns the limits Compile applies unless told otherwise.
func DefaultLimits() Limits {
	return Limits{
		MaxNodes:        1000,
		MaxDepth:        64,
		MaxEdgesPerNode: 32,
		MaxEdges:        4000,
		MaxFacts:        128,
		MaxExprLength:   1000,
		MaxExprNodes:    200,
		MemoryBudget:    10_000,
		MaxWalkCost:     50_000,
		// A list of a thousand values is longer than any an author types or pastes
		// into an editor; each is converted and kept for as long as the tree is.
		MaxValues: 1000,
		// 2,000 instructions take ~0.6 ms to compile (expr compiles a pattern twice) and
		// up to ~7 ms to match a kilobyte. The walk's cost refuses a new tree's pattern
		// a tenth that size already (~170 instructions cost 50,000), so this bound only
		// decides what refusing one may cost; patterns people write (a phone number, a
		// mail domain) compile to 10 to 50.
		MaxPatternSize: 2000,
		// Every one of a document's 4,000 edges may have a pattern of 25 instructions;
		// compiling 100,000 takes ~60 ms, and the patterns past it are not compiled.
		MaxPatternsSize: 100_000,
	}
}

// Option adjusts how Compile works.
type Option func(*config)

type config struct {
	limits Limits
	stored bool
}

// Stored compiles a document that was saved and accepted before: the checks added since
// it was saved (ranges outside `in` or that would be built, $env, a pattern of matches
// that is not literal, literal arguments of timezone, date and duration, the size of
// patterns and of lists of values) are not applied and the walk's cost is bounded twenty
// times less tightly, so that a published tree goes on routing after an upgrade unless
// it is pathological. Saving or publishing applies every check.
func Stored() Option {
	return func(c *config) { c.stored = true }
}

// WithLimits replaces the default limits; zero fields keep their default.
func WithLimits(l Limits) Option {
	return func(c *config) {
		d := &c.limits
		setIfPositive(&d.MaxNodes, l.MaxNodes)
		setIfPositive(&d.MaxDepth, l.MaxDepth)
		setIfPositive(&d.MaxEdgesPerNode, l.MaxEdgesPerNode)
		setIfPositive(&d.MaxEdges, l.MaxEdges)
		setIfPositive(&d.MaxFacts, l.MaxFacts)
		setIfPositive(&d.MaxExprLength, l.MaxExprLength)
		setIfPositive(&d.MaxExprNodes, l.MaxExprNodes)
		if l.MemoryBudget > 0 {
			d.MemoryBudget = l.MemoryBudget
		}
		if l.MaxWalkCost > 0 {
			d.MaxWalkCost = l.MaxWalkCost
		}
		setIfPositive(&d.MaxValues, l.MaxValues)
		setIfPositive(&d.MaxPatternSize, l.MaxPatternSize)
		setIfPositive(&d.MaxPatternsSize, l.MaxPatternsSize)
	}
}

func setIfPositive(dst *int, v int) {
	if v > 0 {
		*dst = v
	}
}
