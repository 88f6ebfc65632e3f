package award_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/check"
)

var now = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

func fieldCodes(err error) []string {
	var out []string
	for _, p := range check.Problems(err) {
		out = append(out, p.Field+" "+p.Code)
	}
	return out
}

func TestParseKind(t *testing.T) {
	t.Parallel()
	for _, k := range award.Kinds {
		got, err := award.ParseKind(string(k))
		require.NoError(t, err)
		assert.Equal(t, k, got)
	}
	for _, bad := range []string{"", "Text", "voucher", "redeem-code"} {
		_, err := award.ParseKind(bad)
		require.ErrorIs(t, err, award.ErrUnknownKind, bad)
	}
}

func TestNewAcceptsEveryKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind    award.Kind
		content award.Content
	}{
		{award.KindText, award.Content{Text: "Thanks for playing!\nSee you."}},
		{award.KindCoupon, award.Content{WebhookURL: "https://shop.example/coupons", TemplateID: "tpl-5off"}},
		{award.KindCoupon, award.Content{WebhookURL: "http://coupons.internal:8080/issue?x=1", TemplateID: "t"}},
		{award.KindCoupon, award.Content{WebhookURL: "http://10.0.0.7:8080/issue", TemplateID: "t"}},
		{award.KindCoupon, award.Content{WebhookURL: "http://[fd00::7]:8080/issue", TemplateID: "t"}},
		{award.KindCoupon, award.Content{WebhookURL: "https://shop.example./coupons", TemplateID: "t"}},
		{award.KindRedeemCode, award.Content{}},
		{award.KindPoints, award.Content{Points: 100}},
		{award.KindPoints, award.Content{Points: award.MaxPoints}},
		{award.KindPhysical, award.Content{SKU: "MUG-01"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			t.Parallel()
			a, err := award.New(42, "$5 coupon", tt.kind, tt.content, now)
			require.NoError(t, err)
			assert.Equal(t, int64(42), a.ID())
			assert.Equal(t, "$5 coupon", a.Name())
			assert.Equal(t, tt.kind, a.Kind())
			assert.Equal(t, tt.content, a.Content())
			assert.Equal(t, now, a.CreatedAt())
		})
	}
}

func TestNewValidation(t *testing.T) {
	t.Parallel()
	coupon := award.Content{WebhookURL: "https://shop.example/c", TemplateID: "t"}
	tests := []struct {
		name    string
		id      int64
		aname   string
		kind    award.Kind
		content award.Content
		want    string
	}{
		{"zero id", 0, "n", award.KindRedeemCode, award.Content{}, "id required"},
		{"blank name", 1, "   ", award.KindRedeemCode, award.Content{}, "name required"},
		{"long name", 1, strings.Repeat("奖", 101), award.KindRedeemCode, award.Content{}, "name too_long"},
		{"control in name", 1, "a\x07", award.KindRedeemCode, award.Content{}, "name invalid_character"},
		{"no kind", 1, "n", "", award.Content{}, "kind required"},
		{"unknown kind", 1, "n", "voucher", award.Content{}, "kind unknown"},
		{"text missing", 1, "n", award.KindText, award.Content{}, "content.text required"},
		{"text too long", 1, "n", award.KindText, award.Content{Text: strings.Repeat("x", 2001)}, "content.text too_long"},
		{"webhook missing", 1, "n", award.KindCoupon, award.Content{TemplateID: "t"}, "content.webhook_url required"},
		{"webhook relative", 1, "n", award.KindCoupon, award.Content{WebhookURL: "/coupons", TemplateID: "t"}, "content.webhook_url invalid_url"},
		{"webhook ftp", 1, "n", award.KindCoupon, award.Content{WebhookURL: "ftp://x.example/", TemplateID: "t"}, "content.webhook_url invalid_url"},
		{"webhook no host", 1, "n", award.KindCoupon, award.Content{WebhookURL: "https:///path", TemplateID: "t"}, "content.webhook_url invalid_url"},
		{"webhook garbage", 1, "n", award.KindCoupon, award.Content{WebhookURL: "https://exa mple.com/%zz", TemplateID: "t"}, "content.webhook_url invalid_url"},
		{"webhook with a password", 1, "n", award.KindCoupon, award.Content{WebhookURL: "https://user:pw@x.example/c", TemplateID: "t"}, "content.webhook_url invalid_url"},
		{"webhook short address", 1, "n", award.KindCoupon, award.Content{WebhookURL: "http://127.1/c", TemplateID: "t"}, "content.webhook_url invalid_url"},
		{"webhook address as a number", 1, "n", award.KindCoupon, award.Content{WebhookURL: "http://2130706433/c", TemplateID: "t"}, "content.webhook_url invalid_url"},
		{"webhook address in hex", 1, "n", award.KindCoupon, award.Content{WebhookURL: "http://0x7f000001/c", TemplateID: "t"}, "content.webhook_url invalid_url"},
		{"webhook too long", 1, "n", award.KindCoupon, award.Content{WebhookURL: "https://x.example/" + strings.Repeat("a", 2048), TemplateID: "t"}, "content.webhook_url too_long"},
		{"template missing", 1, "n", award.KindCoupon, award.Content{WebhookURL: coupon.WebhookURL}, "content.template_id required"},
		{"template too long", 1, "n", award.KindCoupon, award.Content{WebhookURL: coupon.WebhookURL, TemplateID: strings.Repeat("t", 129)}, "content.template_id too_long"},
		{"points zero", 1, "n", award.KindPoints, award.Content{}, "content.points out_of_range"},
		{"points negative", 1, "n", award.KindPoints, award.Content{Points: -5}, "content.points out_of_range"},
		{"points too many", 1, "n", award.KindPoints, award.Content{Points: award.MaxPoints + 1}, "content.points out_of_range"},
		{"sku missing", 1, "n", award.KindPhysical, award.Content{}, "content.sku required"},
		{"sku too long", 1, "n", award.KindPhysical, award.Content{SKU: strings.Repeat("s", 129)}, "content.sku too_long"},
		{"text on coupon", 1, "n", award.KindCoupon, award.Content{WebhookURL: coupon.WebhookURL, TemplateID: "t", Text: "x"}, "content.text not_allowed"},
		{"webhook on text", 1, "n", award.KindText, award.Content{Text: "x", WebhookURL: coupon.WebhookURL}, "content.webhook_url not_allowed"},
		{"template on physical", 1, "n", award.KindPhysical, award.Content{SKU: "s", TemplateID: "t"}, "content.template_id not_allowed"},
		{"points on redeem code", 1, "n", award.KindRedeemCode, award.Content{Points: 5}, "content.points not_allowed"},
		{"sku on points", 1, "n", award.KindPoints, award.Content{Points: 5, SKU: "s"}, "content.sku not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := award.New(tt.id, tt.aname, tt.kind, tt.content, now)
			require.ErrorIs(t, err, check.ErrInvalid)
			assert.Nil(t, a)
			assert.Contains(t, fieldCodes(err), tt.want)
		})
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := award.New(7, "", award.KindPoints, award.Content{Text: "hi"}, now)
	assert.ElementsMatch(t, []string{"name required", "content.text not_allowed", "content.points out_of_range"}, fieldCodes(err))
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	a, err := award.New(1, "old", award.KindPoints, award.Content{Points: 10}, now)
	require.NoError(t, err)

	require.NoError(t, a.Update("new", award.Content{Points: 20}))
	assert.Equal(t, "new", a.Name())
	assert.Equal(t, int64(20), a.Content().Points)

	err = a.Update("", award.Content{SKU: "s"})
	assert.ElementsMatch(t, []string{"name required", "content.sku not_allowed", "content.points out_of_range"}, fieldCodes(err))
	assert.Equal(t, "new", a.Name(), "a failed update changes nothing")
	assert.Equal(t, award.KindPoints, a.Kind())
}

func TestUnmarshalFromDatabaseDoesNotValidate(t *testing.T) {
	t.Parallel()
	a := award.UnmarshalFromDatabase(3, "", award.KindText, award.Content{}, now)
	assert.Equal(t, int64(3), a.ID())
	assert.Equal(t, award.KindText, a.Kind())
}

// A name is stored as shown in lists: without the spaces around it.
func TestNamesAreTrimmed(t *testing.T) {
	t.Parallel()
	a, err := award.New(1, "  Mug \t", award.KindText, award.Content{Text: "hi"}, time.Now())
	require.NoError(t, err)
	assert.Equal(t, "Mug", a.Name())
	require.NoError(t, a.Update(" Big mug ", award.Content{Text: "hi"}))
	assert.Equal(t, "Big mug", a.Name())
}
