package award

import (
	"fmt"
	"strings"
	"time"

	"github.com/lottery-go/lottery/domain/check"
)

// Award is something a prize slot gives to a winner. Its kind never changes after
// creation: orders and redeem-code pools already refer to it.
type Award struct {
	id        int64
	name      string
	kind      Kind
	content   Content
	createdAt time.Time
}

// New validates and creates an award. id is assigned by the caller (a snowflake) and must
// be positive. Every problem is reported in a *check.Error with field paths "name",
// "kind", "content.webhook_url", ...
func New(id int64, name string, kind Kind, c Content, now time.Time) (*Award, error) {
	name = strings.TrimSpace(name)
	var l check.List
	if id <= 0 {
		l.Add("id", check.CodeRequired, "id must be positive")
	}
	validateName(&l, name)
	switch {
	case kind == "":
		l.Add("kind", check.CodeRequired, fmt.Sprintf("kind is required, one of %v", Kinds))
	case !kind.Valid():
		l.Add("kind", check.CodeUnknown, fmt.Sprintf("kind must be one of %v", Kinds))
	default:
		validateContent(&l, kind, c)
	}
	if err := l.Err(); err != nil {
		return nil, err
	}
	return &Award{id: id, name: name, kind: kind, content: c, createdAt: now}, nil
}

// UnmarshalFromDatabase rebuilds a stored award without validating it: stored data was
// valid when written, and a later tightening of the rules must not make it unreadable.
func UnmarshalFromDatabase(id int64, name string, kind Kind, c Content, createdAt time.Time) *Award {
	return &Award{id: id, name: name, kind: kind, content: c, createdAt: createdAt}
}

func validateName(l *check.List, name string) {
	l.Text("name", name, true, maxNameRunes, false)
}

// Update changes the name and content; the kind stays. On error nothing changes.
func (a *Award) Update(name string, c Content) error {
	name = strings.TrimSpace(name)
	var l check.List
	validateName(&l, name)
	validateContent(&l, a.kind, c)
	if err := l.Err(); err != nil {
		return err
	}
	a.name, a.content = name, c
	return nil
}

func (a *Award) ID() int64            { return a.id }
func (a *Award) Name() string         { return a.name }
func (a *Award) Kind() Kind           { return a.kind }
func (a *Award) Content() Content     { return a.content }
func (a *Award) CreatedAt() time.Time { return a.createdAt }
