package admin

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/ruletree"
	"github.com/lottery-go/lottery/rules"
)

// Problem codes a rule tree can have beyond those of rules.Compile.
const (
	CodeInvalidLeaf     = "invalid_leaf"
	CodeUnknownActivity = "unknown_activity"
	CodeClosedActivity  = "closed_activity"
)

// checkDocument gathers every problem of doc — its name, what rules.Compile finds, and
// leaves that name no activity — into one *rules.CompileError, so an author fixes all of
// them in one round.
func (s *Service) checkDocument(ctx context.Context, doc rules.Document) error {
	var problems []rules.Problem
	for _, p := range check.Problems(ruletree.CheckName(doc.Name)) {
		problems = append(problems, rules.Problem{Code: p.Code, Message: p.Message, Edge: rules.NoEdge, Field: p.Field})
	}
	var ce *rules.CompileError
	switch _, err := rules.Compile(doc); {
	case errors.As(err, &ce):
		problems = append(problems, ce.Problems...)
	case err != nil:
		return err
	}
	leaves, err := s.checkLeaves(ctx, doc)
	if err != nil {
		return err
	}
	if problems = append(problems, leaves...); len(problems) > 0 {
		return &rules.CompileError{Problems: problems}
	}
	return nil
}

// checkLeaves requires every leaf to be the id of an existing activity that is not closed,
// in any other state: trees are often written while their activities are still drafts. A document over the
// node limit is not looked at, since Compile refused it and each leaf costs a query.
func (s *Service) checkLeaves(ctx context.Context, doc rules.Document) ([]rules.Problem, error) {
	if len(doc.Nodes) > rules.DefaultLimits().MaxNodes {
		return nil, nil
	}
	var problems []rules.Problem
	states := map[int64]activity.State{} // "" when the activity does not exist
	for i, n := range doc.Nodes {
		if n.Leaf == "" {
			continue
		}
		leaf := func(code, format string, args ...any) {
			problems = append(problems, rules.Problem{Code: code, Message: fmt.Sprintf(format, args...),
				Node: n.ID, Edge: rules.NoEdge, Field: fmt.Sprintf("nodes[%d].leaf", i)})
		}
		id, err := strconv.ParseInt(n.Leaf, 10, 64)
		if err != nil || id <= 0 {
			leaf(CodeInvalidLeaf, "leaf %q of node %q is not an activity id", n.Leaf, n.ID)
			continue
		}
		state, seen := states[id]
		if !seen {
			switch a, err := s.d.Activities.Get(ctx, id); {
			case errors.Is(err, activity.ErrNotFound):
			case err != nil:
				return nil, err
			default:
				state = a.State()
			}
			states[id] = state
		}
		switch state {
		case "":
			leaf(CodeUnknownActivity, "leaf of node %q names activity %d, which does not exist", n.ID, id)
		case activity.StateClosed:
			leaf(CodeClosedActivity, "leaf of node %q names activity %d, which is closed: no user routed there could draw", n.ID, id)
		}
	}
	return problems, nil
}
