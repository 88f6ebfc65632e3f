package draw

import (
	"maps"
	"testing"
)

func TestWithSecretsMasked(t *testing.T) {
	cases := []struct {
		name      string
		delivered map[string]string
		want      map[string]string
	}{
		{"long code keeps its tail", map[string]string{"code": "X7K2-9QPA-ZZ31"}, map[string]string{"code": "**********ZZ31"}},
		{"short code masked whole", map[string]string{"code": "AB12CD34"}, map[string]string{"code": "********"}},
		{"runes, not bytes", map[string]string{"code": "兑换码一二三四五六"}, map[string]string{"code": "*****三四五六"}},
		{"other keys untouched", map[string]string{"code": "123456789", "address": "1 Main St"}, map[string]string{"code": "*****6789", "address": "1 Main St"}},
		{"nothing secret", map[string]string{"points": "100"}, map[string]string{"points": "100"}},
		{"nothing delivered", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := maps.Clone(c.delivered)
			got := Order{Delivered: c.delivered}.WithSecretsMasked()
			if !maps.Equal(got.Delivered, c.want) {
				t.Fatalf("masked %v, want %v", got.Delivered, c.want)
			}
			if !maps.Equal(c.delivered, before) {
				t.Fatalf("the original order changed: %v, was %v", c.delivered, before)
			}
		})
	}
}
