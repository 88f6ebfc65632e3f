package admin

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/lottery-go/lottery/domain/activity"
	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/check"
)

// ErrNotRedeemCode refuses a code upload to an award of another kind.
var ErrNotRedeemCode = errors.New("codes can only be uploaded to redeem_code awards")

// ErrAwardInUse refuses a marketer's edit of an award that a submitted or reviewed
// activity gives: its wins are delivered from the award as it is, and a reviewer approved
// what it was.
var ErrAwardInUse = errors.New("award in use")

// AwardInUseError is ErrAwardInUse with the activities that give the award.
type AwardInUseError struct {
	ActivityIDs []int64
}

func (e *AwardInUseError) Error() string {
	return fmt.Sprintf("%v: activities %s give it and have been submitted; only an admin may change what their winners get, or create a new award",
		ErrAwardInUse, joinIDs(e.ActivityIDs))
}

func (e *AwardInUseError) Unwrap() error { return ErrAwardInUse }

// AwardInput is what a marketer edits about an award; Kind is only read on creation.
type AwardInput struct {
	Name    string
	Kind    award.Kind
	Content award.Content
	// KeepContent leaves an updated award's content as stored (Content is ignored); a
	// new award has the content given.
	KeepContent bool
}

// CreateAward validates and stores a new award.
func (s *Service) CreateAward(ctx context.Context, in AwardInput) (*award.Award, error) {
	id, err := s.newID()
	if err != nil {
		return nil, err
	}
	a, err := award.New(id, in.Name, in.Kind, in.Content, s.now())
	if err != nil {
		return nil, err
	}
	var l check.List
	s.checkWebhookHost(&l, a.Kind(), a.Content())
	if err := l.Err(); err != nil {
		return nil, err
	}
	if err := s.d.Awards.Create(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// GetAward returns award.ErrNotFound for an unknown id.
func (s *Service) GetAward(ctx context.Context, id int64) (*award.Award, error) {
	return s.d.Awards.Get(ctx, id)
}

// ListAwards returns a page of awards in id order and whether more follow.
func (s *Service) ListAwards(ctx context.Context, p Page) ([]*award.Award, bool, error) {
	items, err := s.d.Awards.List(ctx, p.After, p.Limit+1)
	if err != nil {
		return nil, false, err
	}
	more := len(items) > p.Limit
	return items[:min(len(items), p.Limit)], more, nil
}

// UpdateAward changes an award's name and content. Its kind may be repeated but not
// changed: orders and code pools already refer to it. Grants, retries included, deliver
// the award as it is when they run, so once an activity beyond draft or rejected gives
// it, an edit changes what winners get after review: only an admin, who reviews, may make
// it (to repair a merchant's webhook or template, say); a marketer gets ErrAwardInUse.
func (s *Service) UpdateAward(ctx context.Context, by activity.Actor, id int64, in AwardInput) (*award.Award, error) {
	var out *award.Award
	var given bool
	err := s.d.Awards.Update(ctx, id, func(a *award.Award, givenBy []int64) error {
		given = len(givenBy) > 0
		if len(givenBy) > 0 && !by.Admin {
			return &AwardInUseError{ActivityIDs: givenBy}
		}
		var l check.List
		if in.Kind != "" && in.Kind != a.Kind() {
			l.Add("kind", check.CodeNotAllowed, fmt.Sprintf("an award's kind cannot change (it is %s)", a.Kind()))
		}
		content := in.Content
		if in.KeepContent {
			content = a.Content()
		} else {
			s.checkWebhookHost(&l, a.Kind(), content)
		}
		l.Merge("", a.Update(in.Name, content))
		if err := l.Err(); err != nil {
			return err
		}
		out = a
		return nil
	})
	if err != nil {
		return nil, err
	}
	if given {
		// The draw path's catalogs hold the award's name and kind with the activities
		// that give it, which every new order is stamped with.
		s.notify(ctx, "award", func(ctx context.Context, n Notifier) error { return n.ActivityChanged(ctx, 0) })
	}
	return out, nil
}

// checkWebhookHost adds to l a coupon's webhook URL that this deployment's grants would
// refuse to call. Content kept as stored is not checked again: its award may be renamed.
func (s *Service) checkWebhookHost(l *check.List, k award.Kind, c award.Content) {
	if k != award.KindCoupon || s.d.WebhookHost == nil || c.WebhookURL == "" {
		return
	}
	if err := s.d.WebhookHost(c.WebhookURL); err != nil {
		l.Add("content.webhook_url", check.CodeNotAllowed,
			err.Error()+"; grants call public addresses only unless grants.webhook_private is set")
	}
}

// CodesUploaded is what an upload of codes did: codes added to the pool, duplicates
// (within the upload or already in the pool) and codes another award holds, both skipped.
type CodesUploaded struct {
	Added, Duplicates, InOtherAwards int
}

// UploadCodes adds redeem codes to an award's pool. Duplicates within the upload and
// codes already in the pool are both skipped and counted; so are codes another award
// holds, since a code is worth its prize to whoever redeems it first.
func (s *Service) UploadCodes(ctx context.Context, awardID int64, codes []string) (CodesUploaded, error) {
	a, err := s.d.Awards.Get(ctx, awardID)
	if err != nil {
		return CodesUploaded{}, err
	}
	if a.Kind() != award.KindRedeemCode {
		return CodesUploaded{}, fmt.Errorf("award %d is a %s award: %w", awardID, a.Kind(), ErrNotRedeemCode)
	}
	unique, inUpload, err := award.NormalizeCodes(codes)
	if err != nil {
		return CodesUploaded{}, err
	}
	added, err := s.d.Awards.AddCodes(ctx, awardID, unique)
	if err != nil {
		return CodesUploaded{}, err
	}
	return CodesUploaded{Added: added.Added, Duplicates: inUpload + added.Duplicates, InOtherAwards: added.HeldElsewhere}, nil
}

// joinIDs lists ids for a message: the first few, and how many more.
func joinIDs(ids []int64) string {
	const shown = 5
	parts := make([]string, 0, shown+1)
	for _, id := range ids[:min(len(ids), shown)] {
		parts = append(parts, strconv.FormatInt(id, 10))
	}
	if len(ids) > shown {
		parts = append(parts, fmt.Sprintf("and %d more", len(ids)-shown))
	}
	return strings.Join(parts, ", ")
}
