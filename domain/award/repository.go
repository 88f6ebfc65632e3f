package award

import "context"

// CodesAdded is what AddCodes did with the codes it was given.
type CodesAdded struct {
	Added, Duplicates, HeldElsewhere int
}

// Repository stores awards and their redeem-code pools.
type Repository interface {
	// Create stores a new award.
	Create(ctx context.Context, a *Award) error
	// Get returns ErrNotFound for an unknown id.
	Get(ctx context.Context, id int64) (*Award, error)
	// List returns awards with id > after in ascending id order, at most limit of them.
	List(ctx context.Context, after int64, limit int) ([]*Award, error)
	// Update loads and locks the award, runs fn in a transaction and stores the result
	// unless fn fails; ErrNotFound for an unknown id. fn is told which activities past
	// draft or rejected (submitted, approved, running, paused or closed) give the award, in
	// id order, read while the award is locked: an activity leaving draft locks the awards
	// it gives first, so none can become one of them before fn's result is stored.
	Update(ctx context.Context, id int64, fn func(a *Award, givenBy []int64) error) error
	// AddCodes adds normalized codes (see NormalizeCodes) to the pool, all or none. Codes
	// already in the pool are skipped and counted as duplicates; codes another award's
	// pool holds are skipped and counted apart, also when that award's upload runs at the
	// same time: a code is worth its prize to whoever redeems it first.
	AddCodes(ctx context.Context, awardID int64, codes []string) (CodesAdded, error)
	// FreeCodes counts the codes of the award's pool not yet given to an order.
	FreeCodes(ctx context.Context, awardID int64) (int64, error)
	// CodesPromised counts the codes that the prizes giving the award in activities
	// other than except may still take: each prize's stock less the codes its wins hold,
	// over the activities submitted, approved, running or paused; and the wins of closed
	// activities whose grant is in flight or may be sent again and holds no code yet.
	CodesPromised(ctx context.Context, awardID, except int64) (int64, error)
}
