package bss

import (
	"context"
	"fmt"
	"time"

	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/shopspring/decimal"
)

// Page sizes: the largest limit each API accepts, so a full listing takes the fewest calls.
const (
	PageSubCustomers = 100 // ListSubCustomers (limit 1-100; total in "count")
	PageQuotas       = 100 // ListQuotaCoupons (limit 1-100; "total_count")
	PageIssued       = 100 // ListIssuedPartnerCoupons (limit 1-100; "total_count")
	PageCoupons      = 100 // ListSubCustomerCoupons (limit 1-100; total in "count")
	PageResources    = 500 // ListPayPerUseCustomerResources (limit 1-500; "total_count")
	PageInvoices     = 100 // ListInvoices (limit 1-100, offset is a page number from 1; "count")
	PageOrders       = 100 // ListCustomerOrders (limit 1-100 per the API reference; the SDK says only "default 10"; "total_count")

	BatchCustomerBalances = 100 // ListCustomersBalancesDetail: customer_infos 1-100
	BatchResourceIDs      = 50  // ListPayPerUseCustomerResources: resource_ids 0-50
	BatchRenew            = 10  // ListRenewRateOnPeriod and RenewalResources: resource_ids 1-10
)

// Pages returns how many calls a listing of total records takes at pageSize: never fewer than one,
// because the first call is what tells the total.
func Pages(total, pageSize int) int {
	if total <= 0 || pageSize <= 0 {
		return 1
	}
	return (total + pageSize - 1) / pageSize
}

// Batches splits ids into consecutive chunks of at most size (none for no ids).
func Batches(ids []string, size int) [][]string {
	var out [][]string
	for len(ids) > 0 {
		n := min(size, len(ids))
		out = append(out, ids[:n:n])
		ids = ids[n:]
	}
	return out
}

// page is one answer of a paged list; total is -1 when the service left the total out.
type page[T any] struct {
	items []T
	total int
}

// pageAll reads a whole list. fetch(i) reads page i (0-based; the caller turns it into a record
// offset or a page number). The first page tells the total; the other pages are then read with
// bounded concurrency and joined in order. A page without its total is Malformed: BSS sends the
// total only on success, so an answer without it is no proof of "no more items".
func pageAll[T any](ctx context.Context, c *Client, api API, size int, fetch func(i int) (page[T], error)) ([]T, error) {
	get := func(i int) (page[T], error) {
		p, err := read(ctx, c, api, func() (page[T], error) { return fetch(i) })
		if err == nil && p.total < 0 {
			err = malformed(api, "the answer has no total count, so it does not show how many items exist")
		}
		return p, err
	}
	first, err := get(0)
	if err != nil {
		return nil, err
	}
	n := Pages(first.total, size)
	pages := make([][]T, n)
	pages[0] = first.items
	if n > 1 {
		errs := c.fanOut(ctx, api, n-1, func(i int) error {
			p, err := get(i + 1)
			pages[i+1] = p.items
			return err
		})
		for _, err := range errs {
			if err != nil {
				return nil, err
			}
		}
	}
	all := make([]T, 0, first.total)
	for _, p := range pages {
		all = append(all, p...)
	}
	return all, nil
}

// Times on the wire are UTC "yyyy-MM-dd'T'HH:mm:ss'Z'".
const wireTime = "2006-01-02T15:04:05Z"

func formatTime(t time.Time) string { return t.UTC().Format(wireTime) }

// timeField parses an optional wire time; absent or empty gives the zero time. A time in another
// format is a Malformed answer: guessing would misdate an expiry.
func timeField(op API, field string, s *string) (time.Time, error) {
	if s == nil || *s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(wireTime, *s)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, *s); err != nil {
			return time.Time{}, &Error{Op: string(op), Kind: Malformed, Message: fmt.Sprintf("%s: not a time: %q", field, *s)}
		}
	}
	return t.UTC(), nil
}

// measured converts a BSS amount in the unit measure_id names (1 yuan/dollar, 2 jiao, 3 fen) into
// the main unit. Absent (nil or 0, the SDK's non-pointer fields) means 1.
func measured(op API, v decimal.Decimal, measure *int32, currency string) (money.Amount, error) {
	m := int32(1)
	if measure != nil {
		m = *measure
	}
	switch m {
	case 0, 1:
	case 2:
		v = v.Shift(-1)
	case 3:
		v = v.Shift(-2)
	default:
		return money.Amount{}, &Error{Op: string(op), Kind: Malformed, Message: fmt.Sprintf("unknown measure_id %d", m)}
	}
	return money.New(v, currency), nil
}

// decimalOf reads an optional SDK decimal whose absence means none: a debt, an earmarked or credit
// amount, a size. Amounts that must be there are checked for nil before.
func decimalOf(d *decimal.Decimal) decimal.Decimal {
	if d == nil {
		return decimal.Zero
	}
	return *d
}

// floatOf reads an optional SDK float64 (absent is zero) as the shortest decimal that round-trips,
// which is the number the service sent.
func floatOf(f *float64) decimal.Decimal {
	if f == nil {
		return decimal.Zero
	}
	return decimal.NewFromFloat(*f)
}

// requiredAmount reads a renew-rate amount that must be there: absent or empty is Malformed.
func requiredAmount(op API, field string, s *string) (decimal.Decimal, error) {
	if s == nil || *s == "" {
		return decimal.Zero, malformed(op, "%s is missing", field)
	}
	return stringAmount(op, field, s)
}

// stringAmount reads a renew-rate amount, which the SDK keeps as a string. Callers check that it
// is present (requiredAmount) or skip it when absent.
func stringAmount(op API, field string, s *string) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(*s)
	if err != nil {
		return decimal.Zero, &Error{Op: string(op), Kind: Malformed, Message: fmt.Sprintf("%s: not a decimal: %q", field, *s)}
	}
	return d, nil
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func num(n *int32) int {
	if n == nil {
		return 0
	}
	return int(*n)
}

func ptr[T any](v T) *T { return &v }

// siteCurrency is the currency of a site's answers that name none.
func (c *Client) siteCurrency() string {
	if c.profile.Site == China {
		return "CNY"
	}
	return "USD"
}

func orDefault(s *string, def string) string {
	if s == nil || *s == "" {
		return def
	}
	return *s
}
