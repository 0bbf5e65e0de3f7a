package renewal

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/shopspring/decimal"
)

// Eligible returns the resources that need a renewal quote at now: main resources (attached ones renew
// with them), not on auto-renew (those renew themselves), not deleted (in use, frozen or expired),
// expiring no later than now+within. Lapsed ones (see Lapsed) come first, since they are closest to
// deletion; then the rest, soonest expiry first, so a batch holds the most urgent resources together
// and its deadline (the first expiry) is not set by a straggler.
func Eligible(rs []bss.Resource, now time.Time, within time.Duration) []bss.Resource {
	end := now.Add(within)
	var out []bss.Resource
	for _, r := range rs {
		if !r.Main || r.ExpirePolicy == bss.ExpireAutoRenew || r.Expires.After(end) {
			continue
		}
		switch r.Status {
		case bss.ResourceInUse, bss.ResourceFrozen, bss.ResourceExpired:
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b bss.Resource) int {
		if la, lb := Lapsed(a, now), Lapsed(b, now); la != lb {
			if la {
				return -1
			}
			return 1
		}
		return cmp.Or(a.Expires.Compare(b.Expires), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// Lapsed reports whether r is past its expiry but not deleted: frozen or expired (grace period and
// retention), or still in use at or after its expiry time. Such a resource stays renewable until BSS
// deletes it (bss-api.md section 10.2).
func Lapsed(r bss.Resource, now time.Time) bool {
	return r.Status == bss.ResourceFrozen || r.Status == bss.ResourceExpired || !r.Expires.After(now)
}

// Batches drops the resources held by a live quote and splits the rest into groups of at most
// bss.BatchRenew, the most either renewal API takes in one call.
func Batches(rs []bss.Resource, held func(id string) bool) [][]bss.Resource {
	var free []bss.Resource
	for _, r := range rs {
		if !held(r.ID) {
			free = append(free, r)
		}
	}
	var out [][]bss.Resource
	for len(free) > 0 {
		n := min(bss.BatchRenew, len(free))
		out = append(out, free[:n:n])
		free = free[n:]
	}
	return out
}

// Deadline is when a quote made at created stops being approvable: after lifetime, or when its first
// resource expires, whichever comes first (an order after the expiry would renew a lapsed resource at
// a price nobody saw).
//
// A lapsed item's expiry is behind it and does not bound the deadline: the lifetime does.
func Deadline(created time.Time, lifetime time.Duration, items []Item) time.Time {
	d := created.Add(lifetime)
	for _, it := range items {
		if !it.Lapsed && it.Expires.Before(d) {
			d = it.Expires
		}
	}
	return d
}

// PriceRose reports whether now is more than tolerance (a fraction: 0.02 is 2%) above approved. An
// amount in another currency counts as a rise, with the reason in the error: the approver agreed to a
// number in one currency, and no conversion is ours to make.
func PriceRose(approved, now money.Amount, tolerance decimal.Decimal) (bool, error) {
	if approved.Currency != now.Currency {
		return true, fmt.Errorf("renewal: the new price is in %s, the approved one in %s", now.Currency, approved.Currency)
	}
	if tolerance.IsNegative() {
		tolerance = decimal.Zero
	}
	limit := approved.Value.Mul(decimal.NewFromInt(1).Add(tolerance))
	return now.Value.GreaterThan(limit), nil
}

// NeedsTwoApprovers reports whether amount is above limit, so that two different people must approve.
// No limit means one approver. An amount in another currency than the limit needs two: a limit in yuan
// says nothing about dollars, and the safe reading of doubt is the stricter rule.
func NeedsTwoApprovers(amount money.Amount, limit *money.Amount) bool {
	if limit == nil {
		return false
	}
	if amount.Currency != limit.Currency {
		return true
	}
	return amount.Value.GreaterThan(limit.Value)
}
