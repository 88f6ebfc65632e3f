package admin

import (
	"context"
	"errors"
	"fmt"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/ruletree"
	"github.com/lottery-go/lottery/rules"
)

// RoutingNotifier hears of every change to where draws are routed — a rule tree
// published, a profile stored — so that each process's router drops what it cached: all
// of it for a tree, one user's profile for a profile.
type RoutingNotifier interface {
	RoutingChanged(ctx context.Context) error
	ProfileChanged(ctx context.Context, userID string) error
	// ProfilesChanged: many profiles changed at once (an import).
	ProfilesChanged(ctx context.Context) error
}

// RuleTreeView is a tree together with one of its versions.
type RuleTreeView struct {
	Tree    ruletree.Tree
	Version ruletree.Version
}

// ValidateRuleTree checks doc as a save would, without saving: a *rules.CompileError
// lists every problem.
func (s *Service) ValidateRuleTree(ctx context.Context, doc rules.Document) error {
	return s.checkDocument(ctx, doc)
}

// CreateRuleTree stores doc as version 1 of a new, unpublished tree and returns its id.
func (s *Service) CreateRuleTree(ctx context.Context, actor string, doc rules.Document) (int64, error) {
	if err := s.checkDocument(ctx, doc); err != nil {
		return 0, err
	}
	id, err := s.newID()
	if err != nil {
		return 0, err
	}
	now := s.now()
	t := ruletree.Tree{ID: id, Name: doc.Name, Latest: 1, CreatedBy: actor, CreatedAt: now, UpdatedAt: now}
	v := ruletree.Version{TreeID: t.ID, Number: 1, Document: doc, CreatedBy: actor, CreatedAt: now}
	if err := s.d.RuleTrees.Create(ctx, t, v); err != nil {
		return 0, err
	}
	return t.ID, nil
}

// SaveRuleTree stores doc as the tree's next version and returns its number. The live
// version stays until one is published, so a draft never reaches users by being saved.
func (s *Service) SaveRuleTree(ctx context.Context, id int64, actor string, doc rules.Document) (int, error) {
	if _, err := s.d.RuleTrees.Get(ctx, id); err != nil {
		return 0, err
	}
	if err := s.checkDocument(ctx, doc); err != nil {
		return 0, err
	}
	return s.d.RuleTrees.AddVersion(ctx, id, doc, actor, s.now())
}

// RuleTree returns the tree with one version: the latest when version is 0.
func (s *Service) RuleTree(ctx context.Context, id int64, version int) (RuleTreeView, error) {
	t, err := s.d.RuleTrees.Get(ctx, id)
	if err != nil {
		return RuleTreeView{}, err
	}
	v, err := s.d.RuleTrees.Version(ctx, id, version)
	if err != nil {
		return RuleTreeView{}, err
	}
	return RuleTreeView{Tree: t, Version: v}, nil
}

// ListRuleTrees returns a page of trees in id order and whether more follow.
func (s *Service) ListRuleTrees(ctx context.Context, p Page) ([]ruletree.Tree, bool, error) {
	items, err := s.d.RuleTrees.List(ctx, p.After, p.Limit+1)
	if err != nil {
		return nil, false, err
	}
	more := len(items) > p.Limit
	return items[:min(len(items), p.Limit)], more, nil
}

// PublishRuleTree makes a version live and/or the tree the default one; admins only.
// The version is compiled once more before it goes live, so a document the engine no
// longer accepts is refused here rather than failing draws.
func (s *Service) PublishRuleTree(ctx context.Context, actor activity.Actor, id int64, p ruletree.Publication) error {
	if !actor.Admin {
		return fmt.Errorf("publish rule tree %d: %w", id, ruletree.ErrForbidden)
	}
	check := p.Version
	if check == 0 && p.Default != nil && *p.Default {
		// Made the default as it is: its live version is checked the same way.
		t, err := s.d.RuleTrees.Get(ctx, id)
		if err != nil {
			return err
		}
		check = t.Live
	}
	if check > 0 {
		switch v, err := s.d.RuleTrees.Version(ctx, id, check); {
		case errors.Is(err, ruletree.ErrVersionNotFound):
			// Tree.Publish reports it as a problem with the request.
		case err != nil:
			return err
		default:
			// Checked again as when it was saved, leaves included: an activity it names
			// may have closed since.
			if err := s.checkDocument(ctx, v.Document); err != nil {
				return fmt.Errorf("check rule tree %d version %d: %w", id, check, err)
			}
		}
	}
	now := s.now()
	err := s.d.RuleTrees.Update(ctx, id, func(t *ruletree.Tree) error { return t.Publish(p, now) })
	if err != nil {
		return err
	}
	s.told(ctx, "rule tree", func(ctx context.Context, n RoutingNotifier) error { return n.RoutingChanged(ctx) })
	return nil
}

// told is notify for the router's caches, which a failure leaves stale for the same
// reason: the change is already the truth in SQL (a profile at most for the profile
// cache's TTL).
func (s *Service) told(ctx context.Context, what string, tell func(context.Context, RoutingNotifier) error) {
	if s.d.Routing == nil {
		return
	}
	s.tell(ctx, what, func(ctx context.Context) error { return tell(ctx, s.d.Routing) })
}
