package renewal

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/money"
)

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func res(id string, days int, mut ...func(*bss.Resource)) bss.Resource {
	r := bss.Resource{ID: id, Main: true, Status: bss.ResourceInUse, ExpirePolicy: bss.ExpireGracePeriod,
		Expires: t0.Add(time.Duration(days) * 24 * time.Hour)}
	for _, m := range mut {
		m(&r)
	}
	return r
}

func ids(rs []bss.Resource) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func TestEligible(t *testing.T) {
	within := 30 * 24 * time.Hour
	in := []bss.Resource{
		res("late", 20),
		res("soon", 2),
		res("attached", 3, func(r *bss.Resource) { r.Main = false }),
		res("auto", 3, func(r *bss.Resource) { r.ExpirePolicy = bss.ExpireAutoRenew }),
		res("frozen", 3, func(r *bss.Resource) { r.Status = bss.ResourceFrozen }),
		res("expired", -1, func(r *bss.Resource) { r.Status = bss.ResourceExpired }),
		res("past-in-use", 0),
		res("edge", 30),
		res("beyond", 31),
		res("also-soon", 2),
		res("deleted", -20, func(r *bss.Resource) { r.Status = bss.ResourceClosed }),
		res("frozen-far", 40, func(r *bss.Resource) { r.Status = bss.ResourceFrozen }),
		res("expired-auto", -2, func(r *bss.Resource) { r.Status = bss.ResourceExpired; r.ExpirePolicy = bss.ExpireAutoRenew }),
	}
	got := ids(Eligible(in, t0, within))
	// Lapsed first (frozen, expired, past expiry), each group soonest expiry first.
	want := []string{"expired", "past-in-use", "frozen", "also-soon", "soon", "late", "edge"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Eligible (-want +got):\n%s", diff)
	}
}

func TestBatches(t *testing.T) {
	var rs []bss.Resource
	for i := range 23 {
		rs = append(rs, res(string(rune('a'+i)), 1+i))
	}
	held := map[string]bool{"b": true, "k": true, "w": true}
	got := Batches(rs, func(id string) bool { return held[id] })
	sizes := []int{}
	seen := map[string]bool{}
	for _, b := range got {
		sizes = append(sizes, len(b))
		for _, r := range b {
			if held[r.ID] || seen[r.ID] {
				t.Errorf("resource %s is held or twice in the batches", r.ID)
			}
			seen[r.ID] = true
		}
	}
	if diff := cmp.Diff([]int{10, 10}, sizes); diff != "" {
		t.Errorf("batch sizes (-want +got):\n%s", diff)
	}
	if got := Batches(nil, func(string) bool { return false }); len(got) != 0 {
		t.Errorf("Batches(nil) = %d batches, want 0", len(got))
	}
}

func TestDeadline(t *testing.T) {
	// A lapsed item's past expiry does not end the quote before it can be approved.
	items := []Item{{ID: "a", Expires: t0.Add(72 * time.Hour)}, {ID: "b", Expires: t0.Add(24 * time.Hour)},
		{ID: "gone-by", Expires: t0.Add(-48 * time.Hour), Lapsed: true}}
	tests := []struct {
		name     string
		lifetime time.Duration
		want     time.Time
	}{
		{"first expiry comes first", 48 * time.Hour, t0.Add(24 * time.Hour)},
		{"lifetime comes first", 6 * time.Hour, t0.Add(6 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Deadline(t0, tt.lifetime, items); !got.Equal(tt.want) {
				t.Errorf("Deadline = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestPriceRose(t *testing.T) {
	cny := func(s string) money.Amount { return money.MustParse(s, "CNY") }
	tol := decimal.RequireFromString("0.02")
	tests := []struct {
		name      string
		approved  money.Amount
		now       money.Amount
		tolerance decimal.Decimal
		want      bool
		wantErr   string
	}{
		{"same price", cny("1000"), cny("1000"), tol, false, ""},
		{"cheaper", cny("1000"), cny("900"), tol, false, ""},
		{"at the tolerance", cny("1000"), cny("1020"), tol, false, ""},
		{"a fen beyond", cny("1000"), cny("1020.01"), tol, true, ""},
		{"no tolerance, any rise", cny("1000"), cny("1000.01"), decimal.Zero, true, ""},
		{"negative tolerance is none", cny("1000"), cny("1000.01"), decimal.RequireFromString("-0.5"), true, ""},
		{"other currency", cny("1000"), money.MustParse("100", "USD"), tol, true, "USD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PriceRose(tt.approved, tt.now, tt.tolerance)
			if got != tt.want {
				t.Errorf("PriceRose = %v, want %v", got, tt.want)
			}
			if (err != nil) != (tt.wantErr != "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("PriceRose error = %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestNeedsTwoApprovers(t *testing.T) {
	limit := money.MustParse("10000", "CNY")
	tests := []struct {
		name   string
		amount money.Amount
		limit  *money.Amount
		want   bool
	}{
		{"no limit", money.MustParse("1000000", "CNY"), nil, false},
		{"below", money.MustParse("9999.99", "CNY"), &limit, false},
		{"at the limit", money.MustParse("10000", "CNY"), &limit, false},
		{"above", money.MustParse("10000.01", "CNY"), &limit, true},
		{"other currency is the strict reading", money.MustParse("1", "USD"), &limit, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NeedsTwoApprovers(tt.amount, tt.limit); got != tt.want {
				t.Errorf("NeedsTwoApprovers(%s, %v) = %v, want %v", tt.amount, tt.limit, got, tt.want)
			}
		})
	}
}

func TestStateMachine(t *testing.T) {
	all := []State{Pending, Approving, Ordering, Renewed, Failed, Rejected, Expired, Superseded}
	allowed := map[[2]State]bool{
		{Pending, Pending}: true, {Pending, Approving}: true, {Pending, Rejected}: true, {Pending, Expired}: true,
		{Pending, Superseded}: true, {Approving, Approving}: true, {Approving, Ordering}: true,
		{Approving, Superseded}: true, {Approving, Failed}: true, {Ordering, Ordering}: true,
		{Ordering, Renewed}: true, {Ordering, Failed}: true,
	}
	for _, from := range all {
		for _, to := range all {
			if got, want := CanMove(from, to), allowed[[2]State{from, to}]; got != want {
				t.Errorf("CanMove(%s, %s) = %v, want %v", from, to, got, want)
			}
		}
		if from.Live() == from.Final() {
			t.Errorf("%s: Live and Final must differ", from)
		}
	}
	// Nothing leaves ordering except to an end state: a second order can never start from a quote
	// that has already been sent to BSS.
	for _, to := range all {
		if CanMove(Ordering, to) && to != Ordering && !to.Final() {
			t.Errorf("ordering may move to the live state %s", to)
		}
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id, err := NewID()
		if err != nil {
			t.Fatal(err)
		}
		if !ValidID(id) {
			t.Fatalf("NewID() = %q, which ValidID refuses", id)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
	}
	for _, bad := range []string{"", "q", "x" + strings.Repeat("A", 32), "q" + strings.Repeat("a", 32), "q" + strings.Repeat("A", 31),
		"q" + strings.Repeat("A", 31) + "/", "../../renewal/hold/x"} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
}
