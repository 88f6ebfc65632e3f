package activity

import "context"

// Filter selects activities for listing: State "" means any; ids greater than After, in
// ascending id order; Limit bounds the page.
type Filter struct {
	State State
	After int64
	Limit int
}

// Repository stores activities.
type Repository interface {
	// Create stores a new activity.
	Create(ctx context.Context, a *Activity) error
	// Get returns ErrNotFound for an unknown id.
	Get(ctx context.Context, id int64) (*Activity, error)
	// List returns a page of activities matching f.
	List(ctx context.Context, f Filter) ([]*Activity, error)
	// Update loads the activity, runs fn on it inside a transaction and stores the result
	// with a compare-and-set on the loaded version (and state), incrementing the version.
	// When another writer got there first it returns ErrConcurrentChange and stores
	// nothing; when fn fails its error is returned and nothing is stored. An activity
	// leaving draft or rejected first locks the awards its prizes give, against their
	// edits (see award.Repository.Update).
	Update(ctx context.Context, id int64, fn func(*Activity) error) error
}

// Starter readies what the first draws of an activity need just before it starts (its
// counters), so they wait for nothing. It does so only while the activity is still
// approved, and does nothing otherwise. A failure is not fatal: the first draws then load
// what they need themselves.
type Starter interface {
	Prepare(ctx context.Context, id int64) error
}
