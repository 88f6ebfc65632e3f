package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNodeID is the longest node id, in characters: ids name nodes in messages, paths and
// the console's drawing.
const MaxNodeID = 64

// indexNodes assigns each node id its position; a duplicate keeps the first
// position so that edges still resolve while the duplicate is reported.
func (c *compiler) indexNodes() {
	for i, n := range c.doc.Nodes {
		switch chars := utf8.RuneCountInString(n.ID); {
		case chars > MaxNodeID:
			c.nodeProblem(i, CodeInvalidNodeID, "node %d's id has %d characters, more than %d", i, chars, MaxNodeID)
		case strings.IndexFunc(n.ID, unicode.IsControl) >= 0 || !utf8.ValidString(n.ID):
			c.nodeProblem(i, CodeInvalidNodeID, "node %d's id %q holds a control character", i, n.ID)
		}
		switch _, dup := c.index[n.ID]; {
		case n.ID == "":
			c.nodeProblem(i, CodeEmptyNodeID, "node %d has no id", i)
		case dup:
			c.nodeProblem(i, CodeDuplicateNodeID, "node id %q is used more than once", n.ID)
		default:
			c.index[n.ID] = i
		}
	}
}

func (c *compiler) compileNodes() {
	for i, n := range c.doc.Nodes {
		c.nodes[i] = node{id: n.ID, leaf: n.Leaf, fallback: -1}
		switch {
		case len(n.Edges) > 0 && n.Leaf != "":
			c.nodeProblem(i, CodeEdgesAndLeaf, "node %q has both edges and a leaf value; a node either branches or ends", n.ID)
		case len(n.Edges) == 0 && strings.TrimSpace(n.Leaf) == "":
			c.nodeProblem(i, CodeEmptyNode, "node %q has neither edges nor a non-empty leaf value", n.ID)
		}
		withinLimit := len(n.Edges) <= c.limits.MaxEdgesPerNode
		if !withinLimit {
			c.nodeProblem(i, CodeTooManyEdges, "node %q has %d edges, more than the limit of %d", n.ID, len(n.Edges), c.limits.MaxEdgesPerNode)
		}
		c.compileEdges(i, withinLimit)
	}
}

// compileEdges resolves every edge, so the graph checks stay meaningful, but
// compiles conditions only when asked: a node over its edge limit gets no more
// of the server's time.
func (c *compiler) compileEdges(i int, conditions bool) {
	n := c.doc.Nodes[i]
	edges := make([]edge, len(n.Edges))
	defaults := 0
	for j, e := range n.Edges {
		edges[j] = edge{to: -1}
		switch to, ok := c.index[e.To]; {
		case e.To == "":
			c.edgeProblem(i, j, ".to", CodeMissingTarget, "edge %d of node %q has no target", j, n.ID)
		case !ok:
			c.edgeProblem(i, j, ".to", CodeUnknownTarget, "edge %d of node %q leads to unknown node %q", j, n.ID, e.To)
		default:
			edges[j].to = to
		}
		if e.When == nil {
			c.nodes[i].fallback = j
			defaults++
			if defaults > 1 {
				c.edgeProblem(i, j, "", CodeMultipleDefaults, "node %q has more than one default edge (an edge without \"when\")", n.ID)
			}
			if j != len(n.Edges)-1 {
				c.edgeProblem(i, j, "", CodeDefaultNotLast, "the default edge of node %q must be its last edge; the edges after it could never be taken", n.ID)
			}
			continue
		}
		if !conditions {
			continue
		}
		edges[j].text = e.When.String()
		edges[j].test = c.compileCondition(i, j, *e.When)
		if edges[j].test != nil {
			for _, f := range edges[j].test.facts() {
				c.used[f] = true
			}
		}
	}
	c.nodes[i].edges = edges
}

// compileCondition returns nil after recording a problem.
func (c *compiler) compileCondition(i, j int, cond Condition) test {
	switch {
	case cond.malformed != "":
		c.edgeProblem(i, j, ".when", CodeMalformedCondition, "%s", cond.malformed)
		return nil
	case cond.Expr != "" && cond.hasCompare():
		c.edgeProblem(i, j, ".when", CodeAmbiguousCondition, "a condition is either an expression or a {fact, op, value} object, not both")
		return nil
	case cond.structured():
		return c.compileCompare(i, j, cond)
	case strings.TrimSpace(cond.Expr) == "":
		c.edgeProblem(i, j, ".when", CodeEmptyCondition, "the condition is empty; omit \"when\" for a default edge")
		return nil
	}
	return c.compileExpr(i, j, cond.Expr)
}
