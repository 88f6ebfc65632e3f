package rules

import (
	"regexp/syntax"

	"github.com/expr-lang/expr/ast"
)

// A regular expression costs what its compiled program holds: compiling it takes
// time per instruction (~0.3 µs, twice over since expr compiles a literal pattern
// when it type-checks and again when it generates code), and so does matching, which
// steps every instruction over every byte in the worst case (~4 µs per instruction
// over a kilobyte, measured; see patternCost). Bounded repeats are what make a short
// pattern large: [a-z]{1,1000} is a thousand copies of [a-z].

// baselinePattern is the pattern matchCost was measured with.
const baselinePattern = `(a|b)*c`

var baselinePatternSize = mustPatternSize(baselinePattern)

// patternSize estimates the instructions pattern compiles to, from its parse tree
// alone: syntax.Parse expands nothing, so the estimate costs microseconds however
// large the program would be. It is the estimate the regexp package makes for its own
// limit: two instructions short of the compiled program (measured for patterns of 7
// to 4,000 instructions), or a little over it for a repeated group. ok is false when
// pattern does not parse; expr then reports the error itself.
func patternSize(pattern string) (size int64, ok bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return 0, false
	}
	return regexpSize(re), true
}

func mustPatternSize(pattern string) int64 {
	size, ok := patternSize(pattern)
	if !ok {
		panic("rules: invalid pattern " + pattern)
	}
	return size
}

// regexpSize mirrors regexp/syntax's own estimate (parser.calcSize). The parser
// refuses a pattern whose estimate passes some millions, so the sums cannot overflow.
func regexpSize(re *syntax.Regexp) int64 {
	var size int64
	switch re.Op {
	case syntax.OpLiteral:
		size = int64(len(re.Rune))
	case syntax.OpCapture, syntax.OpStar:
		size = 2 + regexpSize(re.Sub[0])
	case syntax.OpPlus, syntax.OpQuest:
		size = 1 + regexpSize(re.Sub[0])
	case syntax.OpConcat, syntax.OpAlternate:
		for _, sub := range re.Sub {
			size += regexpSize(sub)
		}
		if re.Op == syntax.OpAlternate {
			size += int64(len(re.Sub)) - 1
		}
	case syntax.OpRepeat:
		size = repeatSize(re)
	}
	return max(1, size)
}

// repeatSize is x{min,max} written out: x{2,5} compiles as xx(x(x(x)?)?)?.
func repeatSize(re *syntax.Regexp) int64 {
	sub := regexpSize(re.Sub[0])
	switch {
	case re.Max == -1 && re.Min == 0:
		return 2 + sub
	case re.Max == -1:
		return 1 + int64(re.Min)*sub
	}
	return int64(re.Max)*sub + int64(re.Max-re.Min)
}

// patternCost is what one match of a literal pattern costs: matchCost scaled by its
// size against the baseline's. Measured over 1 KiB of input chosen to make each
// pattern work hardest, matching took 28 µs for (a|b)*c (7 instructions), 1.1 ms for
// [a-z]{1,100}x (202), 3.3 ms for a{1000} (1,002), 6.6 ms for [a-z]{1,1000}x (2,002)
// and 7.0 ms for [a-z]{1,1000}[0-9]{1,1000}x (4,001): 2 to 6 µs per instruction,
// linear in the size, and within the baseline's 4 µs by a factor of two.
func patternCost(pattern string) int64 {
	size, ok := patternSize(pattern)
	if !ok {
		return matchCost
	}
	return matchCost * max(size, baselinePatternSize) / baselinePatternSize
}

// literalPatterns returns the patterns of root's `matches` that are literal strings.
func literalPatterns(root ast.Node) []*ast.StringNode {
	var out []*ast.StringNode
	ast.Find(root, func(n ast.Node) bool {
		if b, ok := n.(*ast.BinaryNode); ok && b.Operator == "matches" {
			if s, ok := b.Right.(*ast.StringNode); ok {
				out = append(out, s)
			}
		}
		return false
	})
	return out
}

// checkPatterns runs before expr compiles the expression, which compiles its patterns:
// it refuses a pattern larger than Limits.MaxPatternSize, and the edge once the
// document's patterns together pass Limits.MaxPatternsSize, so that refusing a
// document costs no more than parsing its patterns. A stored tree is bounded by the
// cost of its walk instead, as before.
func (c *compiler) checkPatterns(i, j int, src string, root ast.Node) bool {
	if c.stored {
		return true
	}
	ok := true
	var total int64
	for _, s := range literalPatterns(root) {
		size, parsed := patternSize(s.Value)
		if !parsed {
			continue
		}
		if size > int64(c.limits.MaxPatternSize) {
			c.add(c.problemAt(i, j, src, s, CodeTooCostly, "the regular expression compiles to about %d instructions, more than the limit of %d: bounded repeats such as {1,1000} are written out in full, so use + or * or a smaller bound",
				size, c.limits.MaxPatternSize))
			ok = false
		}
		total += size
	}
	if !ok {
		return false
	}
	if c.patterns+total > int64(c.limits.MaxPatternsSize) {
		// At the expression's start: no single pattern is to blame.
		c.add(c.problemAt(i, j, src, nil, CodeTooCostly, "the document's regular expressions together compile to more than %d instructions: use fewer or simpler patterns",
			c.limits.MaxPatternsSize))
		return false
	}
	c.patterns += total
	return true
}
