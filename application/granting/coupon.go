package granting

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/lottery-go/lottery/domain/award"
)

// Webhook headers of a coupon grant.
const (
	SignatureHeader = "X-Lottery-Signature"
	OrderHeader     = "X-Lottery-Order-Id"
)

// DefaultWebhookTimeout bounds one webhook call unless told otherwise; the message
// queue's redelivery is the retry.
const DefaultWebhookTimeout = 5 * time.Second

// Coupon asks the merchant's webhook to issue a coupon. The call is signed with
// HMAC-SHA256 under a shared secret (Sign), so the merchant can tell it is ours, meant for
// its address and recent, and carries the order id, by which the merchant de-duplicates a
// repeated call. A merchant whose webhook keeps failing is paused (see breakers).
type Coupon struct {
	client   *http.Client
	secret   []byte
	timeout  time.Duration
	now      func() time.Time
	breakers *breakers
}

// CouponOptions configure a Coupon granter. Client defaults to NewWebhookClient(false),
// which calls public addresses only; Timeout to DefaultWebhookTimeout; Log to
// slog.Default().
type CouponOptions struct {
	// Secret signs the calls; without it every coupon grant fails.
	Secret  string
	Client  *http.Client
	Timeout time.Duration
	Log     *slog.Logger
}

// NewCoupon returns the coupon granter. Redirects are never followed, whatever client: Go
// would repeat a 301, 302 or 303 as a GET without the body, and its 2xx would count as a
// coupon issued.
func NewCoupon(o CouponOptions) *Coupon {
	if o.Client == nil {
		o.Client = NewWebhookClient(false)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultWebhookTimeout
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	own := *o.Client
	own.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Coupon{client: &own, secret: []byte(o.Secret), timeout: o.Timeout, now: time.Now,
		breakers: newBreakers(time.Now, o.Timeout, o.Log)}
}

func (*Coupon) Kind() award.Kind { return award.KindCoupon }

type couponRequest struct {
	OrderID    string `json:"order_id"`
	UserID     string `json:"user_id"`
	AwardID    string `json:"award_id"`
	TemplateID string `json:"template_id"`
}

// Sign is the signature header value of a call at unix time t to url with body:
// "t=<t>,sha256=<hex>", the HMAC-SHA256 under secret of "<t>.<url>.<body>". The address
// is signed so that a merchant given one call cannot replay it to another merchant's
// webhook (all are signed with one secret, and a marketer chooses both the address and
// the template id); the time, so that a merchant can refuse an old call.
func Sign(secret []byte, t int64, url string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(t, 10) + "." + url + "."))
	m.Write(body)
	return "t=" + strconv.FormatInt(t, 10) + ",sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Grant posts the request; a 2xx answer means issued. A permanent redirect (301, 308),
// or a 4xx other than 408 and 429, will not change on retry and fails the grant for good
// (the redirect names the address the award's webhook_url should have); anything else,
// other redirects included, is retried. No redirect is ever followed. A merchant that
// failed too often of late is not called: the grant is not tried (*award.NotTried wrapping
// ErrMerchantPaused); nor is one whose call probed such a merchant and failed.
func (c *Coupon) Grant(ctx context.Context, g award.Grant) (award.Delivered, error) {
	if len(c.secret) == 0 {
		return award.Delivered{}, fmt.Errorf("%w: no webhook secret is configured (grants.webhook_secret)", award.ErrPermanent)
	}
	merchant := merchantOf(g.Content.WebhookURL)
	if err := c.breakers.enter(merchant); err != nil {
		return award.Delivered{}, fmt.Errorf("coupon webhook: %w", err)
	}
	d, fault, err := c.call(ctx, g)
	if until, probe := c.breakers.done(merchant, fault, abortedBy(ctx) || errors.Is(err, ErrPrivateAddress)); probe {
		return d, &award.NotTried{At: until, Err: fmt.Errorf("%w; it probed a paused merchant, which stays paused until %s",
			err, until.UTC().Format(time.RFC3339))}
	}
	return d, err
}

// call makes one webhook call. fault says why the merchant failed it ("" when it
// answered, even with a refusal): a timeout, a connection error, a 5xx, 408, 429 or a
// passing redirect.
func (c *Coupon) call(ctx context.Context, g award.Grant) (d award.Delivered, fault string, err error) {
	orderID := strconv.FormatInt(g.OrderID, 10)
	body, err := json.Marshal(couponRequest{OrderID: orderID, UserID: g.UserID,
		AwardID: strconv.FormatInt(g.AwardID, 10), TemplateID: g.Content.TemplateID})
	if err != nil {
		return d, "", fmt.Errorf("encode coupon request: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.Content.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return d, "", fmt.Errorf("%w: coupon webhook: %v", award.ErrPermanent, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(c.secret, c.now().Unix(), g.Content.WebhookURL, body))
	req.Header.Set(OrderHeader, orderID)
	resp, err := c.client.Do(req)
	if errors.Is(err, ErrPrivateAddress) { // the same address next time: no retry helps
		return d, "", fmt.Errorf("%w: coupon webhook: %w", award.ErrPermanent, err)
	}
	if err != nil {
		return d, shortError(err), fmt.Errorf("coupon webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	d, err = verdict(resp, g)
	if err != nil && !errors.Is(err, award.ErrPermanent) {
		return d, resp.Status, err
	}
	return d, "", err
}

// shortError is a call's error without the address Go repeats in it.
func shortError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer within the timeout"
	}
	return err.Error()
}

// verdict reads the merchant's answer.
func verdict(resp *http.Response, g award.Grant) (award.Delivered, error) {
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return award.Delivered{State: award.StateGranted, Payload: map[string]string{"template_id": g.Content.TemplateID}}, nil
	case code == http.StatusMovedPermanently || code == http.StatusPermanentRedirect:
		return award.Delivered{}, fmt.Errorf("%w: coupon webhook answered %s to %s, which is not followed: set the award's webhook_url to the address it names (%q)",
			award.ErrPermanent, resp.Status, g.Content.WebhookURL, resp.Header.Get("Location"))
	case code >= 300 && code < 400: // a passing redirect (maintenance, say): tried again, never followed
		return award.Delivered{}, fmt.Errorf("coupon webhook answered %s to %s (to %q), which is not followed", resp.Status, g.Content.WebhookURL, resp.Header.Get("Location"))
	case code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests:
		return award.Delivered{}, fmt.Errorf("%w: coupon webhook answered %s", award.ErrPermanent, resp.Status)
	default:
		return award.Delivered{}, fmt.Errorf("coupon webhook answered %s", resp.Status)
	}
}
