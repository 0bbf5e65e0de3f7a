package sandbox

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	intlmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2/model"
)

func TestListQuotaCoupons(t *testing.T) {
	e := newEnv(t, Options{Seed: 10, Customers: 2})
	client := e.cn(t, e.partner())
	count := func(typ, status int) int {
		n := 0
		for _, q := range e.srv.Quotas() {
			if q.Type == typ && (status < 0 || q.Status == status) {
				n++
			}
		}
		return n
	}
	tests := []struct {
		name   string
		req    model.QueryCouponQuotasReqExt
		want   int
		status int
	}{
		{"default is voucher quotas", model.QueryCouponQuotasReqExt{}, count(0, -1), -1},
		{"cash-coupon quotas", model.QueryCouponQuotasReqExt{QuotaType: ptr(int32(1))}, count(1, -1), -1},
		{"normal voucher quotas", model.QueryCouponQuotasReqExt{QuotaStatusList: &[]int32{0}}, count(0, 0), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := client.ListQuotaCoupons(&model.ListQuotaCouponsRequest{Body: &tt.req})
			mustOK(t, err)
			if int(*resp.TotalCount) != tt.want || len(*resp.Quotas) != tt.want {
				t.Fatalf("got total %d and %d quotas, want %d", *resp.TotalCount, len(*resp.Quotas), tt.want)
			}
			for _, q := range *resp.Quotas {
				if tt.status >= 0 && int(*q.QuotaStatus) != tt.status {
					t.Errorf("quota %s: got status %d, want %d", *q.QuotaId, *q.QuotaStatus, tt.status)
				}
				if q.Balance.GreaterThan(*q.QuotaValue) {
					t.Errorf("quota %s: balance %s above value %s", *q.QuotaId, q.Balance, q.QuotaValue)
				}
			}
		})
	}
	t.Run("paging adds up", func(t *testing.T) {
		var got int
		for offset := int32(0); offset < int32(count(0, -1)); offset += 2 {
			resp, err := client.ListQuotaCoupons(&model.ListQuotaCouponsRequest{Body: &model.QueryCouponQuotasReqExt{Offset: &offset, Limit: ptr(int32(2))}})
			mustOK(t, err)
			got += len(*resp.Quotas)
		}
		if got != count(0, -1) {
			t.Errorf("got %d quotas over pages, want %d", got, count(0, -1))
		}
	})
	for _, tt := range []struct {
		name string
		req  model.QueryCouponQuotasReqExt
	}{
		{"limit 101", model.QueryCouponQuotasReqExt{Limit: ptr(int32(101))}},
		{"six statuses", model.QueryCouponQuotasReqExt{QuotaStatusList: &[]int32{0, 3, 4, 5, 0, 3}}},
		{"bad time", model.QueryCouponQuotasReqExt{ExpireTimeBegin: ptr("2026-11-21 12:00:00")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.ListQuotaCoupons(&model.ListQuotaCouponsRequest{Body: &tt.req})
			wantAPIError(t, err, http.StatusBadRequest, "CBC.0100")
		})
	}
	t.Run("customer credentials", func(t *testing.T) {
		_, err := e.cn(t, e.customer(0)).ListQuotaCoupons(&model.ListQuotaCouponsRequest{Body: &model.QueryCouponQuotasReqExt{}})
		wantAPIError(t, err, http.StatusForbidden, "CBC.0151")
	})
}

func TestListIssuedPartnerCoupons(t *testing.T) {
	e := newEnv(t, Options{Seed: 11, Customers: 400})
	client := e.cn(t, e.partner())
	begin, end := anchor, anchor.Add(30*24*time.Hour)
	want := map[string]bool{}
	for _, c := range e.srv.IssuedCoupons() {
		if c.Status == CouponUsable && c.ExpireTime.After(begin) && c.ExpireTime.Before(end) {
			want[c.ID] = true
		}
	}
	if len(want) < 100 {
		t.Fatalf("the world has %d usable coupons expiring within 30 days, want enough for several pages", len(want))
	}
	reseller := map[string]bool{}
	for _, c := range e.srv.Customers() {
		reseller[c.ID] = c.Reseller
	}
	got := map[string]bool{}
	for offset := int32(0); ; offset += 100 {
		resp, err := client.ListIssuedPartnerCoupons(&model.ListIssuedPartnerCouponsRequest{
			Status: ptr(int32(CouponUsable)), ExpireTimeBegin: ptr(ts(begin)), ExpireTimeEnd: ptr(ts(end)),
			Offset: &offset, Limit: ptr(int32(100)),
		})
		mustOK(t, err)
		if int(*resp.TotalCount) != len(want) {
			t.Fatalf("got total_count %d, want %d", *resp.TotalCount, len(want))
		}
		for _, c := range *resp.UserCoupons {
			got[*c.CouponId] = true
			if !reseller[*c.CustomerId] {
				t.Errorf("coupon %s of non-reseller customer %s listed", *c.CouponId, *c.CustomerId)
			}
		}
		if int(offset)+100 >= len(want) {
			break
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d coupons over all pages, want %d", len(got), len(want))
	}
	for _, tt := range []struct {
		name string
		req  model.ListIssuedPartnerCouponsRequest
	}{
		{"limit 101", model.ListIssuedPartnerCouponsRequest{Limit: ptr(int32(101))}},
		{"negative offset", model.ListIssuedPartnerCouponsRequest{Offset: ptr(int32(-1))}},
		{"status 9", model.ListIssuedPartnerCouponsRequest{Status: ptr(int32(9))}},
		{"bad time", model.ListIssuedPartnerCouponsRequest{ExpireTimeEnd: ptr("tomorrow")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.ListIssuedPartnerCoupons(&tt.req)
			wantAPIError(t, err, http.StatusBadRequest, "CBC.0100")
		})
	}
	t.Run("customer credentials", func(t *testing.T) {
		_, err := e.cn(t, e.customer(0)).ListIssuedPartnerCoupons(&model.ListIssuedPartnerCouponsRequest{})
		wantAPIError(t, err, http.StatusForbidden, "CBC.0151")
	})
}

func TestListSubCustomerCoupons(t *testing.T) {
	t.Run("partner sees its own coupons with the test coupons", func(t *testing.T) {
		e := newEnv(t, Options{Seed: 12, Customers: 5})
		resp, err := e.cn(t, e.partner()).ListSubCustomerCoupons(&model.ListSubCustomerCouponsRequest{Status: ptr(int32(CouponUsable)), Limit: ptr(int32(100))})
		mustOK(t, err)
		var days []int
		for _, c := range *resp.UserCoupons {
			if !strings.Contains(*c.PlanName, "测试券") {
				continue
			}
			expire, err := time.Parse(timeLayout, *c.ExpireTime)
			mustOK(t, err)
			valid, err := time.Parse(timeLayout, *c.ValidTime)
			mustOK(t, err)
			if !valid.AddDate(0, 3, 0).Equal(expire) {
				t.Errorf("test coupon %s valid %s to %s, want three months", *c.CouponId, valid, expire)
			}
			days = append(days, int(expire.Sub(anchor).Hours()/24)+1)
		}
		if want := []int{1, 7, 30, 90}; !equalInts(days, want) {
			t.Errorf("got usable test coupons expiring in %v days, want %v", days, want)
		}
		if int(*resp.Count) != len(*resp.UserCoupons) {
			t.Errorf("got count %d for %d coupons", *resp.Count, len(*resp.UserCoupons))
		}
	})
	t.Run("customer sees its own coupons", func(t *testing.T) {
		e := newEnv(t, Options{Seed: 12, Customers: 30})
		for i, c := range e.srv.Customers() {
			resp, err := e.cn(t, e.customer(i)).ListSubCustomerCoupons(&model.ListSubCustomerCouponsRequest{Limit: ptr(int32(100))})
			mustOK(t, err)
			if want := len(e.srv.Coupons(c.ID)); int(*resp.Count) != want {
				t.Fatalf("customer %d: got count %d, want %d", i, *resp.Count, want)
			}
			for _, cp := range *resp.UserCoupons {
				if *cp.CustomerId != c.ID {
					t.Fatalf("customer %s got coupon of %s", c.ID, *cp.CustomerId)
				}
			}
		}
	})
	t.Run("international site paging", func(t *testing.T) {
		e := newEnv(t, Options{Site: SiteIntl, Seed: 12, Customers: 1})
		client := e.intl(t, e.partner())
		total := len(e.srv.Coupons(e.srv.Partner().ID))
		got := 0
		for offset := int32(0); offset < int32(total); offset += 4 {
			resp, err := client.ListSubCustomerCoupons(&intlmodel.ListSubCustomerCouponsRequest{Offset: &offset, Limit: ptr(int32(4))})
			mustOK(t, err)
			got += len(*resp.UserCoupons)
			if int(*resp.Count) != total {
				t.Fatalf("got count %d, want %d", *resp.Count, total)
			}
		}
		if got != total {
			t.Errorf("got %d coupons over pages, want %d", got, total)
		}
	})
	t.Run("out of range", func(t *testing.T) {
		e := newEnv(t, Options{Seed: 12, Customers: 1})
		for name, req := range map[string]model.ListSubCustomerCouponsRequest{
			"limit 0":              {Limit: ptr(int32(0))},
			"limit 101":            {Limit: ptr(int32(101))},
			"offset without limit": {Offset: ptr(int32(10))},
			"coupon type 5":        {CouponType: ptr(int32(5))},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := e.cn(t, e.customer(0)).ListSubCustomerCoupons(&req)
				wantAPIError(t, err, http.StatusBadRequest, "CBC.0100")
			})
		}
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
