// Package ruletree holds rule trees as the platform keeps them: a name, numbered immutable
// versions of a rules.Document, the live version that routes draws, and whether the tree is
// the default one for draws that name neither an activity nor a tree.
package ruletree

import (
	"context"
	"errors"
	"time"

	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/rules"
)

// MaxNameRunes bounds a tree's name.
const MaxNameRunes = 100

var (
	ErrNotFound        = errors.New("rule tree not found")
	ErrVersionNotFound = errors.New("rule tree version not found")
	// ErrNotPublished: the tree has no live version, so it cannot route draws.
	ErrNotPublished = errors.New("rule tree is not published")
	// ErrForbidden: publishing changes where live traffic goes, which, like approving an
	// activity, is an admin's decision.
	ErrForbidden = errors.New("only admins publish rule trees")
)

// Tree is a rule tree without its documents. Versions are numbered 1..Latest and never
// change once saved; Live is 0 until a version is published.
type Tree struct {
	ID        int64
	Name      string // the name of the latest version's document
	Latest    int
	Live      int
	Default   bool
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Version is one saved document of a tree.
type Version struct {
	TreeID    int64
	Number    int
	Document  rules.Document
	CreatedBy string
	CreatedAt time.Time
}

// CheckName refuses a blank or overlong document name; the rule engine does not care
// about names, the console that lists trees does.
func CheckName(name string) error {
	var l check.List
	l.Text("name", name, true, MaxNameRunes, false)
	return l.Err()
}

// Publication asks to make Version live (0 keeps the live one) and, when Default is set,
// to make the tree the default one or stop it being so.
type Publication struct {
	Version int
	Default *bool
	// Withdraw takes the tree out of routing: no live version, not the default. Draws
	// naming it (or, when it was the default, naming no tree) answer no_matching_activity
	// until a version is published again.
	Withdraw bool
}

// Publish applies p. A tree becomes the default only with a live version: a default that
// routes nowhere would turn every draw without a tree into a 404.
func (t *Tree) Publish(p Publication, now time.Time) error {
	var l check.List
	switch {
	case p.Withdraw && (p.Version != 0 || p.Default != nil):
		l.Add("withdraw", check.CodeNotAllowed, "withdraw goes alone: it takes the live version and the default away")
	case p.Withdraw:
		t.Live, t.Default, t.UpdatedAt = 0, false, now
		return nil
	case p.Version == 0 && p.Default == nil:
		l.Add("", check.CodeRequired, "give the version to publish, default, or both; or withdraw")
	case p.Version < 0:
		l.Add("version", check.CodeOutOfRange, "version must be positive")
	case p.Version > t.Latest:
		l.Add("version", check.CodeUnknown, "the tree has no such version")
	}
	if err := l.Err(); err != nil {
		return err
	}
	if p.Version > 0 {
		t.Live = p.Version
	}
	if p.Default != nil {
		if *p.Default && t.Live == 0 {
			return ErrNotPublished
		}
		t.Default = *p.Default
	}
	t.UpdatedAt = now
	return nil
}

// Repository stores trees and their versions.
type Repository interface {
	// Create stores a new tree with its first version.
	Create(ctx context.Context, t Tree, first Version) error
	// AddVersion stores doc as the tree's next version, makes its name the tree's, and
	// returns the new version's number.
	AddVersion(ctx context.Context, id int64, doc rules.Document, by string, at time.Time) (int, error)
	// Get returns ErrNotFound for an unknown tree.
	Get(ctx context.Context, id int64) (Tree, error)
	// List returns trees with id > after in id order, at most limit of them.
	List(ctx context.Context, after int64, limit int) ([]Tree, error)
	// Version returns one version; number 0 is the latest. ErrNotFound for an unknown
	// tree, ErrVersionNotFound for an unknown version.
	Version(ctx context.Context, id int64, number int) (Version, error)
	// Update runs fn on the tree inside a transaction and stores its live version, default
	// flag and update time. A tree that became the default stops every other tree from
	// being it in the same transaction: there is never more than one default.
	Update(ctx context.Context, id int64, fn func(*Tree) error) error
	// Live returns the live version: ErrNotFound for an unknown tree, ErrNotPublished for
	// one without a live version.
	Live(ctx context.Context, id int64) (Version, error)
	// LiveDefault returns the default tree's live version, ErrNotFound when there is no
	// default tree.
	LiveDefault(ctx context.Context) (Version, error)
}
