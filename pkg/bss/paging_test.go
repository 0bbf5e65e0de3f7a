package bss

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func TestPages(t *testing.T) {
	tests := []struct{ total, size, want int }{
		{0, 100, 1}, {1, 100, 1}, {100, 100, 1}, {101, 100, 2}, {250, 100, 3}, {10000, 500, 20}, {10001, 500, 21},
	}
	for _, tt := range tests {
		if got := Pages(tt.total, tt.size); got != tt.want {
			t.Errorf("Pages(%d, %d) = %d, want %d", tt.total, tt.size, got, tt.want)
		}
	}
}

func TestBatches(t *testing.T) {
	ids := make([]string, 250)
	for i := range ids {
		ids[i] = fmt.Sprint(i)
	}
	got := Batches(ids, 100)
	if len(got) != 3 || len(got[0]) != 100 || len(got[2]) != 50 || got[2][0] != "200" {
		t.Fatalf("Batches(250, 100) = %d batches", len(got))
	}
	// A batch must not share spare capacity with the next: appending to one must not clobber another.
	_ = append(got[0], "x")
	if got[1][0] != "100" {
		t.Errorf("append to batch 0 changed batch 1: %q", got[1][0])
	}
	if b := Batches(nil, 10); len(b) != 0 {
		t.Errorf("Batches(nil) = %v, want none", b)
	}
}

func TestMeasured(t *testing.T) {
	tests := []struct {
		measure *int32
		want    string
		err     bool
	}{
		{nil, "1234.5", false}, {ptr(int32(0)), "1234.5", false}, {ptr(int32(1)), "1234.5", false},
		{ptr(int32(2)), "123.45", false}, {ptr(int32(3)), "12.345", false}, {ptr(int32(7)), "", true},
	}
	for _, tt := range tests {
		got, err := measured("Op", decimal.RequireFromString("1234.5"), tt.measure, "CNY")
		if (err != nil) != tt.err {
			t.Errorf("measure %v: err = %v, want error %v", tt.measure, err, tt.err)
			continue
		}
		if err == nil && (!got.Value.Equal(decimal.RequireFromString(tt.want)) || got.Currency != "CNY") {
			t.Errorf("measure %v: got %v %s, want %s CNY", tt.measure, got.Value, got.Currency, tt.want)
		}
		if err != nil && KindOf(err) != Malformed {
			t.Errorf("measure %v: kind %v, want malformed", tt.measure, KindOf(err))
		}
	}
}

func TestTimeField(t *testing.T) {
	tests := []struct {
		in   *string
		want time.Time
		err  bool
	}{
		{nil, time.Time{}, false},
		{ptr(""), time.Time{}, false},
		{ptr("2024-05-06T08:05:01Z"), time.Date(2024, 5, 6, 8, 5, 1, 0, time.UTC), false},
		{ptr("2024-05-06T16:05:01+08:00"), time.Date(2024, 5, 6, 8, 5, 1, 0, time.UTC), false},
		{ptr("2024-05-06 08:05:01"), time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := timeField("Op", "expire_time", tt.in)
		if (err != nil) != tt.err || !got.Equal(tt.want) {
			t.Errorf("timeField(%v) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestFloatAmountsKeepTheSentDigits(t *testing.T) {
	// 0.1+0.2 style drift must not appear: the SDK decodes 1234.56 as a float64.
	if got := floatOf(ptr(1234.56)); !got.Equal(decimal.RequireFromString("1234.56")) {
		t.Errorf("floatOf(1234.56) = %v", got)
	}
}

func TestTimeRange(t *testing.T) {
	b, e := timeRange(time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)), time.Time{})
	if diff := cmp.Diff([]*string{ptr("2024-01-02T02:04:05Z"), nil}, []*string{b, e}); diff != "" {
		t.Errorf("timeRange (-want +got):\n%s", diff)
	}
}
