package draw

// secretKeys are the parts of what a grant delivered that only the user and admins may
// read in full: a redeem code is worth the prize to whoever types it in first.
var secretKeys = []string{"code"}

// shownTail is how many trailing characters of a secret stay readable, so support can
// match a code a user quotes without being able to redeem it.
const shownTail = 4

// WithSecretsMasked returns the order with every secret it delivered masked: all but the
// last four characters become '*', and a secret of eight or fewer characters is masked
// whole. The order itself is not changed.
func (o Order) WithSecretsMasked() Order {
	var masked map[string]string
	for _, k := range secretKeys {
		v, ok := o.Delivered[k]
		if !ok {
			continue
		}
		if masked == nil {
			masked = make(map[string]string, len(o.Delivered))
			for dk, dv := range o.Delivered {
				masked[dk] = dv
			}
		}
		masked[k] = maskSecret(v)
	}
	if masked != nil {
		o.Delivered = masked
	}
	return o
}

func maskSecret(v string) string {
	r := []rune(v)
	keep := 0
	if len(r) > 2*shownTail {
		keep = shownTail
	}
	for i := range len(r) - keep {
		r[i] = '*'
	}
	return string(r)
}
