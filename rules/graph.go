package rules

import (
	"fmt"
	"strings"
)

// checkGraph validates the shape of the whole tree. Edges with unknown targets
// are already reported and are skipped here (their to is -1).
func (c *compiler) checkGraph() {
	root, ok := c.index[c.doc.Root]
	switch {
	case c.doc.Root == "":
		c.docProblem(CodeMissingRoot, "root", "the document names no root node")
	case !ok:
		c.docProblem(CodeUnknownRoot, "root", "the root %q is not a node of the document", c.doc.Root)
	}
	cyclic := c.checkCycles()
	if !ok {
		return
	}
	c.checkReachable(root)
	if !cyclic {
		c.checkDepth(root)
	}
}

func (c *compiler) checkReachable(root int) {
	seen := make([]bool, len(c.nodes))
	seen[root] = true
	queue := []int{root}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, e := range c.nodes[n].edges {
			if e.to >= 0 && !seen[e.to] {
				seen[e.to] = true
				queue = append(queue, e.to)
			}
		}
	}
	for i, n := range c.doc.Nodes {
		if !seen[i] && c.index[n.ID] == i && n.ID != "" {
			c.nodeProblem(i, CodeUnreachableNode, "node %q cannot be reached from the root %q", n.ID, c.doc.Root)
		}
	}
}

// checkCycles reports each edge that closes a cycle, with the cycle spelt out.
// The depth of the recursion is bounded by MaxNodes.
func (c *compiler) checkCycles() bool {
	const (
		unvisited = iota
		active
		done
	)
	state := make([]int, len(c.nodes))
	var stack []int
	found := false
	var visit func(n int)
	visit = func(n int) {
		state[n] = active
		stack = append(stack, n)
		for j, e := range c.nodes[n].edges {
			switch {
			case e.to < 0:
			case state[e.to] == active:
				found = true
				c.edgeProblem(n, j, ".to", CodeCycle, "edge %d of node %q closes a cycle: %s", j, c.nodes[n].id, c.cycle(stack, e.to))
			case state[e.to] == unvisited:
				visit(e.to)
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
	}
	for i := range c.nodes {
		if state[i] == unvisited {
			visit(i)
		}
	}
	return found
}

func (c *compiler) cycle(stack []int, back int) string {
	var ids []string
	for k := len(stack) - 1; k >= 0; k-- {
		if stack[k] == back {
			for _, n := range stack[k:] {
				ids = append(ids, fmt.Sprintf("%q", c.nodes[n].id))
			}
			break
		}
	}
	ids = append(ids, fmt.Sprintf("%q", c.nodes[back].id))
	return strings.Join(ids, " → ")
}

// checkDepth bounds the walk of one evaluation; the tree is acyclic here.
func (c *compiler) checkDepth(root int) {
	memo := make([]int, len(c.nodes))
	for i := range memo {
		memo[i] = -1
	}
	var height func(n int) int
	height = func(n int) int {
		if memo[n] >= 0 {
			return memo[n]
		}
		h := 0
		for _, e := range c.nodes[n].edges {
			if e.to >= 0 {
				h = max(h, 1+height(e.to))
			}
		}
		memo[n] = h
		return h
	}
	if h := height(root); h > c.limits.MaxDepth {
		c.add(Problem{Code: CodeTooDeep, Node: c.doc.Root, Edge: NoEdge, Field: "root",
			Message: fmt.Sprintf("the longest path from the root has %d edges, more than the limit of %d", h, c.limits.MaxDepth)})
	}
}

// maxSteps is the most edges one evaluation can try, so that the path slice is
// allocated once at its final size.
func maxSteps(nodes []node, root int) int {
	memo := make(map[int]int, len(nodes))
	var steps func(n int) int
	steps = func(n int) int {
		if s, ok := memo[n]; ok {
			return s
		}
		s := len(nodes[n].edges)
		for j, e := range nodes[n].edges {
			s = max(s, j+1+steps(e.to))
		}
		memo[n] = s
		return s
	}
	return steps(root)
}
