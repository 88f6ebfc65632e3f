package rest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/lottery-go/lottery/application/support"
	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/interfaces/rest"
)

func TestOpenAPICoversTheOrderDesk(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	svc := support.New(support.Deps{
		Orders: persistence.NewOrderRepo(h.db), Grants: persistence.NewGrantRepo(h.db),
		Encode:  func(draw.Order) (string, []byte) { return "", nil },
		Deliver: func(context.Context, int64) error { return nil },
	})
	rest.RegisterSupport(h.srv, h.keys, svc)
	checkRouteCoverage(t, h)
	doc := loadDocument(t, h)
	assert.NotNil(t, doc.Paths.Find("/api/v1/admin/orders/{order_id}/retry-grant"))
	assert.NotNil(t, doc.Components.Schemas["AdminOrder"])
}
