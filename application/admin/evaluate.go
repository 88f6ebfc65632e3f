package admin

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/user"
	"github.com/lottery-go/lottery/rules"
)

// Evaluation is a dry run of one version of a tree.
type Evaluation struct {
	Version int
	Result  rules.Result
}

// EvaluateRuleTree runs version (the latest when 0) over facts with no side effects and
// returns the leaf and the path taken. No leaf reached is an error wrapping
// rules.ErrNoMatch, returned with the path up to where the walk stopped.
//
// The facts are what the caller says, so a marketer can ask "what on Nov 11?": "now" is
// the server's clock only when not given, and "registered_days" is derived from
// "registered_at" unless given too.
func (s *Service) EvaluateRuleTree(ctx context.Context, id int64, version int, facts map[string]any) (Evaluation, error) {
	v, err := s.d.RuleTrees.Version(ctx, id, version)
	if err != nil {
		return Evaluation{}, err
	}
	tree, err := rules.Compile(v.Document, rules.Stored())
	if err != nil {
		return Evaluation{}, fmt.Errorf("compile rule tree %d version %d: %w", id, v.Number, err)
	}
	in, err := rules.CoerceFacts(tree.Schema(), facts)
	var l check.List
	if err != nil {
		l.Add("facts", check.CodeInvalid, err.Error())
		return Evaluation{}, l.Err()
	}
	for _, k := range slices.Sorted(maps.Keys(in)) {
		if code, msg := user.FactProblem(in[k]); code != "" {
			l.Add("facts."+k, code, msg)
		}
	}
	if err := l.Err(); err != nil {
		return Evaluation{}, err
	}
	now, ok := in[rules.FactNow].(time.Time)
	if !ok {
		now = s.now()
	}
	merged := user.Profile{Attributes: in}.Facts(nil, now)
	if days, ok := in[rules.FactRegisteredDays]; ok {
		merged[rules.FactRegisteredDays] = days
	}
	res, err := tree.Evaluate(merged)
	return Evaluation{Version: v.Number, Result: res}, err
}
