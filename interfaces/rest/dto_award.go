package rest

import (
	"strconv"
	"time"

	"github.com/lottery-go/lottery/application/admin"
	"github.com/lottery-go/lottery/domain/award"
)

// awardContentJSON is an award's content; only the fields of its kind are set.
type awardContentJSON struct {
	Text       string `json:"text,omitempty"`
	WebhookURL string `json:"webhook_url,omitempty"`
	TemplateID string `json:"template_id,omitempty"`
	Points     int64  `json:"points,omitempty"`
	SKU        string `json:"sku,omitempty"`
}

// awardRequest is the body of POST and PUT /admin/awards. On PUT, kind may be left out
// or repeated, but not changed, and content left out keeps the stored one.
type awardRequest struct {
	Name    string            `json:"name"`
	Kind    string            `json:"kind"`
	Content *awardContentJSON `json:"content"`
}

func (r awardRequest) input() admin.AwardInput {
	in := admin.AwardInput{Name: r.Name, Kind: award.Kind(r.Kind), KeepContent: r.Content == nil}
	if r.Content != nil {
		in.Content = award.Content(*r.Content)
	}
	return in
}

type awardResponse struct {
	ID        string           `json:"id"`
	Name      string           `json:"name"`
	Kind      string           `json:"kind"`
	Content   awardContentJSON `json:"content"`
	CreatedAt time.Time        `json:"created_at"`
}

func awardJSON(a *award.Award) awardResponse {
	return awardResponse{
		ID: strconv.FormatInt(a.ID(), 10), Name: a.Name(), Kind: string(a.Kind()),
		Content: awardContentJSON(a.Content()), CreatedAt: a.CreatedAt().UTC(),
	}
}

// codesRequest is the JSON form of a redeem-code upload.
type codesRequest struct {
	Codes []string `json:"codes"`
}

type codesResponse struct {
	Added         int `json:"added"`
	Duplicates    int `json:"duplicates"`
	InOtherAwards int `json:"in_other_awards"`
}
