package award

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"github.com/lottery-go/lottery/domain/check"
)

// Content is what an award gives, by kind: Text for text, WebhookURL and TemplateID for
// coupon, Points for points, SKU for physical; redeem_code needs none (its codes live in a
// pool). Fields not belonging to the kind must be empty.
type Content struct {
	Text       string
	WebhookURL string
	TemplateID string
	Points     int64
	SKU        string
}

// Limits of the content fields.
const (
	MaxTextRunes      = 2000
	MaxWebhookURL     = 2048
	MaxTemplateID     = 128
	MaxSKU            = 128
	MaxPoints         = 1_000_000_000
	maxNameRunes      = 100
	notForKindMessage = "%s is not used by %s awards"
)

func validateContent(l *check.List, k Kind, c Content) {
	uses := func(field string) bool {
		switch field {
		case "text":
			return k == KindText
		case "webhook_url", "template_id":
			return k == KindCoupon
		case "points":
			return k == KindPoints
		case "sku":
			return k == KindPhysical
		}
		return false
	}
	notAllowed := func(field string, empty bool) {
		if !empty && !uses(field) {
			l.Add("content."+field, check.CodeNotAllowed, fmt.Sprintf(notForKindMessage, field, k))
		}
	}
	notAllowed("text", c.Text == "")
	notAllowed("webhook_url", c.WebhookURL == "")
	notAllowed("template_id", c.TemplateID == "")
	notAllowed("points", c.Points == 0)
	notAllowed("sku", c.SKU == "")

	switch k {
	case KindText:
		l.Text("content.text", c.Text, true, MaxTextRunes, true)
	case KindCoupon:
		validateWebhook(l, c.WebhookURL)
		l.Text("content.template_id", c.TemplateID, true, MaxTemplateID, false)
	case KindPoints:
		if c.Points <= 0 || c.Points > MaxPoints {
			l.Add("content.points", check.CodeOutOfRange, fmt.Sprintf("points must be between 1 and %d", MaxPoints))
		}
	case KindPhysical:
		l.Text("content.sku", c.SKU, true, MaxSKU, false)
	}
}

// validateWebhook wants an absolute http(s) URL with a host: anything else would only
// fail later, at grant time, for a real winner.
func validateWebhook(l *check.List, raw string) {
	const field = "content.webhook_url"
	switch {
	case strings.TrimSpace(raw) == "":
		l.Add(field, check.CodeRequired, "webhook_url is required")
		return
	case len(raw) > MaxWebhookURL:
		l.Add(field, check.CodeTooLong, fmt.Sprintf("webhook_url is longer than %d bytes", MaxWebhookURL))
		return
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Hostname() == "":
		l.Add(field, check.CodeInvalidURL, "webhook_url must be an absolute http:// or https:// URL")
	case u.User != nil:
		l.Add(field, check.CodeInvalidURL, "webhook_url must not carry a user name or password: every marketer would see them; "+
			"the merchant checks the X-Lottery-Signature instead")
	case !hostName(u.Hostname()):
		l.Add(field, check.CodeInvalidURL, "webhook_url's host must be a DNS name or an IP address written in full "+
			"(127.1, 2130706433 or 0x7f000001 are neither)")
	}
}

// hostName says whether h is an IP address or a DNS name whose last label starts with a
// letter, as every top-level domain does: the short and numeric forms of addresses that
// some resolvers read (127.1, 2130706433) are refused rather than failing every grant.
func hostName(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	labels := strings.Split(strings.TrimSuffix(h, "."), ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' ||
			strings.Trim(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
			return false
		}
	}
	last := labels[len(labels)-1][0]
	return last >= 'a' && last <= 'z' || last >= 'A' && last <= 'Z'
}
