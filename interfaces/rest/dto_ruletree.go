package rest

import (
	"time"

	"github.com/lottery-go/lottery/application/admin"
	"github.com/lottery-go/lottery/domain/ruletree"
	"github.com/lottery-go/lottery/rules"
)

// publishRequest is {"version":3}, {"default":true} or both; default false stops the tree
// being the default one.
type publishRequest struct {
	Version int   `json:"version"`
	Default *bool `json:"default"`
}

type evaluateRequest struct {
	Facts   map[string]any `json:"facts"`
	Version int            `json:"version"`
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
