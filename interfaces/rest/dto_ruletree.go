package rest

import (
	"fmt"
	"time"

	"github.com/lottery-go/lottery/application/admin"
	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/ruletree"
	"github.com/lottery-go/lottery/rules"
)

// publishRequest is {"version":3}, {"default":true} or both; default false stops the tree
// being the default one.
type publishRequest struct {
	Version  *int  `json:"version"`
	Default  *bool `json:"default"`
	Withdraw bool  `json:"withdraw"`
}

// publication checks the request; a version left out keeps the live one.
func (r publishRequest) publication() (ruletree.Publication, error) {
	v, err := requestedVersion(r.Version, "leave it out to keep the live version")
	return ruletree.Publication{Version: v, Default: r.Default, Withdraw: r.Withdraw}, err
}

type evaluateRequest struct {
	Facts   map[string]any `json:"facts"`
	Version *int           `json:"version"`
}

// version checks the request's version; 0, for one left out, is the latest.
func (r evaluateRequest) version() (int, error) {
	return requestedVersion(r.Version, "leave it out to evaluate the latest version")
}

// requestedVersion reads an optional version number. Left out it is 0, which the use
// cases read as "the usual one"; given, it must name a version, and versions are
// numbered from 1: a 0 that silently meant "the usual one" would hide a client's bug.
func requestedVersion(v *int, omitted string) (int, error) {
	if v == nil {
		return 0, nil
	}
	if *v < 1 {
		var l check.List
		l.Add("version", check.CodeOutOfRange, fmt.Sprintf("version must be a version number, 1 or more, not %d; %s", *v, omitted))
		return 0, l.Err()
	}
	return *v, nil
}

type evaluationResponse struct {
	Version int          `json:"version"`
	Value   string       `json:"value"`
	Path    []rules.Step `json:"path"`
}

type validationResponse struct {
	Valid bool `json:"valid"`
}

// ruleTreeSummary is a tree in lists. Versions are numbered 1..versions; live_version is
// null until one is published.
type ruleTreeSummary struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Versions    int       `json:"versions"`
	LiveVersion *int      `json:"live_version"`
	Default     bool      `json:"default"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// ruleTreeResponse is a tree with one of its versions.
type ruleTreeResponse struct {
	ruleTreeSummary
	Version  int            `json:"version"`
	Document rules.Document `json:"document"`
	SavedBy  string         `json:"saved_by"`
	SavedAt  time.Time      `json:"saved_at"`
}

func ruleTreeSummaryJSON(t ruletree.Tree) ruleTreeSummary {
	s := ruleTreeSummary{ID: idString(t.ID), Name: t.Name, Versions: t.Latest, Default: t.Default,
		CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
	if t.Live > 0 {
		live := t.Live
		s.LiveVersion = &live
	}
	return s
}

func ruleTreeJSON(v admin.RuleTreeView) ruleTreeResponse {
	return ruleTreeResponse{ruleTreeSummary: ruleTreeSummaryJSON(v.Tree), Version: v.Version.Number,
		Document: v.Version.Document, SavedBy: v.Version.CreatedBy, SavedAt: v.Version.CreatedAt.UTC()}
}
