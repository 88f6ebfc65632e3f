package rules

import (
	"encoding/json"
	"fmt"
	"strings"
)

// NoEdge is Problem.Edge for problems that concern a node or the whole document.
const NoEdge = -1

// Problem codes, stable for clients to switch on.
const (
	CodeMissingRoot          = "missing_root"
	CodeUnknownRoot          = "unknown_root"
	CodeEmptyNodeID          = "empty_node_id"
	CodeDuplicateNodeID      = "duplicate_node_id"
	CodeInvalidNodeID        = "invalid_node_id"
	CodeEdgesAndLeaf         = "edges_and_leaf"
	CodeEmptyNode            = "empty_node"
	CodeMissingTarget        = "missing_target"
	CodeUnknownTarget        = "unknown_target"
	CodeDefaultNotLast       = "default_edge_not_last"
	CodeMultipleDefaults     = "multiple_default_edges"
	CodeUnreachableNode      = "unreachable_node"
	CodeCycle                = "cycle"
	CodeInvalidFactName      = "invalid_fact_name"
	CodeUnknownFactType      = "unknown_fact_type"
	CodeReservedFact         = "reserved_fact"
	CodeUnknownFact          = "unknown_fact"
	CodeEmptyCondition       = "empty_condition"
	CodeAmbiguousCondition   = "ambiguous_condition"
	CodeUnknownOp            = "unknown_op"
	CodeOpNotForType         = "op_not_for_type"
	CodeInvalidValue         = "invalid_value"
	CodeExpressionSyntax     = "expression_syntax"
	CodeExpressionType       = "expression_type"
	CodeExpressionForbidden  = "expression_forbidden"
	CodeExpressionTooLong    = "expression_too_long"
	CodeExpressionTooComplex = "expression_too_complex"
	CodeTooCostly            = "too_costly"
	CodeMalformedCondition   = "malformed_condition"
	CodeTooManyNodes         = "too_many_nodes"
	CodeTooManyEdges         = "too_many_edges"
	CodeTooManyFacts         = "too_many_facts"
	CodeTooDeep              = "too_deep"
)

// Problem is one reason a document does not compile, located precisely enough
// for an editor to highlight it.
type Problem struct {
	Code    string // machine-readable, snake_case
	Message string // a sentence for humans
	Node    string // node id, empty for document-level problems
	Edge    int    // edge index within Node, or NoEdge
	Field   string // JSON path of the offending field, e.g. "nodes[2].edges[0].when"
	Line    int    // 1-based position inside an expression, 0 when not applicable
	Column  int
}

type problemJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Node    string `json:"node,omitempty"`
	Edge    *int   `json:"edge,omitempty"`
	Field   string `json:"field,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
}

// MarshalJSON leaves out the edge index when there is none, since -1 means
// nothing to an API client.
func (p Problem) MarshalJSON() ([]byte, error) {
	out := problemJSON{Code: p.Code, Message: p.Message, Node: p.Node, Field: p.Field, Line: p.Line, Column: p.Column}
	if p.Edge != NoEdge {
		edge := p.Edge
		out.Edge = &edge
	}
	return json.Marshal(out)
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Node != "" {
		fmt.Fprintf(&b, "node %q ", p.Node)
	}
	if p.Edge != NoEdge {
		fmt.Fprintf(&b, "edge %d ", p.Edge)
	}
	if p.Line > 0 {
		fmt.Fprintf(&b, "at %d:%d ", p.Line, p.Column)
	}
	if b.Len() > 0 {
		b.WriteString("- ")
	}
	fmt.Fprintf(&b, "%s: %s", p.Code, p.Message)
	return b.String()
}

// CompileError lists every problem found in a document, not just the first,
// so that authors fix them in one round.
type CompileError struct {
	Problems []Problem
}

func (e *CompileError) Error() string {
	if len(e.Problems) == 1 {
		return "rule tree: " + e.Problems[0].String()
	}
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return fmt.Sprintf("rule tree: %d problems: %s", len(e.Problems), strings.Join(parts, "; "))
}

// Codes returns the problem codes in order, which is what callers and tests
// usually want to look at.
func (e *CompileError) Codes() []string {
	codes := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		codes[i] = p.Code
	}
	return codes
}
