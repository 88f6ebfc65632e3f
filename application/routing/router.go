// Package routing picks the activity of a draw that names none: the live version of a
// rule tree (the one the request names, or the default tree) evaluated over the user's
// trusted facts — the stored profile merged with the token's facts claim, never the
// request body. Compiled trees and profiles are held in memory, so a draw reads SQL only
// when a cache is cold; the change feeds empty them in every process: InvalidateAll when a
// tree is published or an activity changes, InvalidateProfile when a profile is stored.
package routing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/lottery-go/lottery/application/drawing"
	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/domain/ruletree"
	"github.com/lottery-go/lottery/domain/user"
	"github.com/lottery-go/lottery/rules"
)

// Trees reads published trees (ruletree.Repository has these).
type Trees interface {
	Live(ctx context.Context, id int64) (ruletree.Version, error)
	LiveDefault(ctx context.Context) (ruletree.Version, error)
}

// Profiles reads stored profiles (user.ProfileRepository has this).
type Profiles interface {
	Get(ctx context.Context, id string) (user.Profile, error)
}

// Options tune the caches; zero fields take the defaults.
type Options struct {
	// ProfileTTL bounds how stale a profile may be should the change feed be down;
	// with the feed up a change arrives within a second. Default 30s.
	ProfileTTL time.Duration
	// MaxProfiles bounds the profiles held (absent ones included). Default 100,000.
	MaxProfiles int
	// MaxTrees bounds the trees held, remembered misses included, since tree ids come
	// from request bodies. Default 1,000.
	MaxTrees int
	// MissTTL is how long an unknown or unpublished tree is remembered. Default 1s.
	MissTTL time.Duration
	// Now is the clock of the "now" fact and of the caches. Default time.Now.
	Now func() time.Time
	// Log receives a warning, at most once a minute per edge, for a condition that failed
	// at run time (and so counted as not matched). Default: none.
	Log *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.ProfileTTL <= 0 {
		o.ProfileTTL = 30 * time.Second
	}
	if o.MaxProfiles <= 0 {
		o.MaxProfiles = 100_000
	}
	if o.MaxTrees <= 0 {
		o.MaxTrees = 1_000
	}
	if o.MissTTL <= 0 {
		o.MissTTL = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Router implements drawing.Router.
type Router struct {
	trees    Trees
	profiles Profiles
	now      func() time.Time
	compiled *cache[*rules.Tree] // by tree id; "0" is the default tree
	known    *cache[user.Profile]
	failed   *conditionLog
}

// New returns a Router reading through to trees and profiles on a cache miss.
func New(trees Trees, profiles Profiles, o Options) *Router {
	o = o.withDefaults()
	return &Router{
		trees:    trees,
		profiles: profiles,
		now:      o.Now,
		compiled: newCache[*rules.Tree](0, o.MissTTL, o.MaxTrees, remembered, o.Now),
		known:    newCache[user.Profile](o.ProfileTTL, 0, o.MaxProfiles, func(error) bool { return false }, o.Now),
		failed:   &conditionLog{log: o.Log, now: o.Now},
	}
}

// Route evaluates the request's tree (TreeID, or the default tree when 0) and returns the
// activity id of the leaf reached. An unknown or unpublished tree, a walk that reaches no
// leaf and a leaf that is not an id all wrap drawing.ErrNoMatchingActivity; a tree named
// that does not exist is drawing.ErrUnknownTree, which wraps it too.
func (r *Router) Route(ctx context.Context, req drawing.Request) (int64, error) {
	tree, err := r.tree(ctx, req.TreeID)
	if err != nil {
		return 0, err
	}
	p, err := r.profile(ctx, req.UserID)
	if err != nil {
		return 0, err
	}
	res, err := tree.Evaluate(p.Facts(req.Facts, r.now()))
	r.failed.report(tree.Name(), res.Path)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", drawing.ErrNoMatchingActivity, err)
	}
	id, err := strconv.ParseInt(res.Value, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w: rule tree %q led to %q, which is not an activity id",
			drawing.ErrNoMatchingActivity, tree.Name(), res.Value)
	}
	return id, nil
}

// InvalidateAll drops every compiled tree and profile; the next draws load them again.
func (r *Router) InvalidateAll() {
	r.compiled.invalidateAll()
	r.known.invalidateAll()
}

// InvalidateProfile drops one user's profile; trees and other profiles stay.
func (r *Router) InvalidateProfile(userID string) { r.known.invalidate(userID) }

// InvalidateProfiles drops every profile (after a bulk import); trees stay.
func (r *Router) InvalidateProfiles() { r.known.invalidateAll() }

func (r *Router) tree(ctx context.Context, id int64) (*rules.Tree, error) {
	t, err := r.compiled.get(ctx, strconv.FormatInt(id, 10), func(ctx context.Context) (*rules.Tree, error) {
		v, err := r.live(ctx, id)
		if err != nil {
			return nil, err
		}
		t, err := rules.Compile(v.Document, rules.Stored())
		if err != nil {
			return nil, brokenTreeError{fmt.Errorf("compile rule tree %d version %d: %w", v.TreeID, v.Number, err)}
		}
		return t, nil
	})
	var broken brokenTreeError
	switch {
	case err == nil:
		return t, nil
	case id != 0 && errors.Is(err, ruletree.ErrNotFound):
		return nil, fmt.Errorf("%w: %v", drawing.ErrUnknownTree, err)
	case unrouted(err):
		return nil, fmt.Errorf("%w: %v", drawing.ErrNoMatchingActivity, err)
	case errors.As(err, &broken):
		return nil, err // the server's fault until a version that compiles is published
	}
	return nil, fmt.Errorf("%w: read rule tree %d: %w", draw.ErrUnavailable, id, err)
}

func (r *Router) live(ctx context.Context, id int64) (ruletree.Version, error) {
	if id == 0 {
		return r.trees.LiveDefault(ctx)
	}
	return r.trees.Live(ctx, id)
}

// unrouted tells the errors of trees that cannot route draws, which are remembered
// briefly, from failures to read them, which are not.
func unrouted(err error) bool {
	return errors.Is(err, ruletree.ErrNotFound) || errors.Is(err, ruletree.ErrNotPublished)
}

// brokenTreeError is a live version that no longer compiles (a check this version added
// refuses it even as stored). It is remembered like a miss, so that draws do not compile
// the whole tree again each, and answered as the server's fault (500), not as one to
// retry: publishing a version that compiles mends it. Failures to read a tree or a
// profile are draw.ErrUnavailable (503).
type brokenTreeError struct{ err error }

func (e brokenTreeError) Error() string { return e.err.Error() }
func (e brokenTreeError) Unwrap() error { return e.err }

// remembered is what the tree cache keeps for its miss TTL.
func remembered(err error) bool {
	var broken brokenTreeError
	return unrouted(err) || errors.As(err, &broken)
}

// profile returns the user's stored profile, or an empty one: most users have none, and
// that answer is cached like any other.
func (r *Router) profile(ctx context.Context, userID string) (user.Profile, error) {
	p, err := r.known.get(ctx, userID, func(ctx context.Context) (user.Profile, error) {
		p, err := r.profiles.Get(ctx, userID)
		if errors.Is(err, user.ErrNotFound) {
			return user.Profile{UserID: userID}, nil
		}
		return p, err
	})
	if err != nil {
		return p, fmt.Errorf("%w: read the profile of %s: %w", draw.ErrUnavailable, userID, err)
	}
	return p, nil
}
