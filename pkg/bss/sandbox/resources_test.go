package sandbox

import (
	"net/http"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	intlmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2/model"
	"github.com/shopspring/decimal"
)

// renewableMain finds a customer with at least n in-use main resources that have attached parts.
func renewableMain(t *testing.T, e *env, n int) (int, []Resource) {
	t.Helper()
	for i, c := range e.srv.Customers() {
		var mains []Resource
		res := e.srv.Resources(c.ID)
		for _, r := range res {
			if r.Main && r.Status == StatusInUse && hasParts(res, r.ResourceID) {
				mains = append(mains, r)
			}
		}
		if len(mains) >= n {
			return i, mains[:n]
		}
	}
	t.Fatalf("no customer with %d renewable main resources with parts", n)
	return 0, nil
}

func hasParts(res []Resource, mainID string) bool {
	for _, r := range res {
		if r.ParentID == mainID {
			return true
		}
	}
	return false
}

func TestListPayPerUseCustomerResources(t *testing.T) {
	e := newEnv(t, Options{Seed: 20, Customers: 60})
	i, _ := renewableMain(t, e, 2)
	c := e.srv.Customers()[i]
	all := e.srv.Resources(c.ID)

	t.Run("customer pages its own resources", func(t *testing.T) {
		client := e.cn(t, e.customer(i))
		var got []string
		for offset := int32(0); offset < int32(len(all)); offset += 2 {
			resp, err := client.ListPayPerUseCustomerResources(&model.ListPayPerUseCustomerResourcesRequest{Body: &model.QueryResourcesReq{Offset: &offset, Limit: ptr(int32(2))}})
			mustOK(t, err)
			if int(*resp.TotalCount) != len(all) {
				t.Fatalf("got total_count %d, want %d", *resp.TotalCount, len(all))
			}
			for _, r := range *resp.Data {
				got = append(got, *r.ResourceId)
			}
		}
		if len(got) != len(all) {
			t.Fatalf("got %d resources over pages, want %d", len(got), len(all))
		}
		for k := range all {
			if got[k] != all[k].ResourceID {
				t.Errorf("resource %d: got %s, want %s", k, got[k], all[k].ResourceID)
			}
		}
	})
	t.Run("partner names the customer", func(t *testing.T) {
		resp, err := e.cn(t, e.partner()).ListPayPerUseCustomerResources(&model.ListPayPerUseCustomerResourcesRequest{Body: &model.QueryResourcesReq{
			CustomerId: ptr(c.ID), OnlyMainResource: ptr(int32(1)), Limit: ptr(int32(500)),
		}})
		mustOK(t, err)
		for _, r := range *resp.Data {
			if *r.IsMainResource != 1 {
				t.Errorf("resource %s is not main with only_main_resource=1", *r.ResourceId)
			}
		}
		mains := 0
		for _, r := range all {
			if r.Main {
				mains++
			}
		}
		if int(*resp.TotalCount) != mains {
			t.Errorf("got %d main resources, want %d", *resp.TotalCount, mains)
		}
	})
	t.Run("expiry window", func(t *testing.T) {
		begin, end := anchor, anchor.AddDate(0, 0, 30)
		want := 0
		for _, r := range all {
			if r.ExpireTime.After(begin) && r.ExpireTime.Before(end) {
				want++
			}
		}
		resp, err := e.cn(t, e.customer(i)).ListPayPerUseCustomerResources(&model.ListPayPerUseCustomerResourcesRequest{Body: &model.QueryResourcesReq{
			ExpireTimeBegin: ptr(ts(begin)), ExpireTimeEnd: ptr(ts(end)), Limit: ptr(int32(500)),
		}})
		mustOK(t, err)
		if int(*resp.TotalCount) != want {
			t.Errorf("got %d resources expiring within 30 days, want %d", *resp.TotalCount, want)
		}
	})
	errs := []struct {
		name   string
		c      creds
		req    model.QueryResourcesReq
		status int
		code   string
	}{
		{"partner without customer_id", e.partner(), model.QueryResourcesReq{}, 400, "CBC.0100"},
		{"partner with a stranger's id", e.partner(), model.QueryResourcesReq{CustomerId: ptr("0123456789abcdef0123456789abcdef")}, 403, "CBC.0151"},
		{"limit 501", e.customer(i), model.QueryResourcesReq{Limit: ptr(int32(501))}, 400, "CBC.0100"},
		{"51 resource ids", e.customer(i), model.QueryResourcesReq{ResourceIds: ptr(make([]string, 51))}, 400, "CBC.0100"},
		{"empty service type", e.customer(i), model.QueryResourcesReq{ServiceTypeCode: ptr("")}, 400, "CBC.0100"},
		{"bad expiry time", e.customer(i), model.QueryResourcesReq{ExpireTimeBegin: ptr("2026-13-01T00:00:00Z")}, 400, "CBC.0100"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.cn(t, tt.c).ListPayPerUseCustomerResources(&model.ListPayPerUseCustomerResourcesRequest{Body: &tt.req})
			wantAPIError(t, err, tt.status, tt.code)
		})
	}
}

func TestListRenewRateOnPeriod(t *testing.T) {
	e := newEnv(t, Options{Seed: 21, Customers: 80})
	i, mains := renewableMain(t, e, 2)
	c := e.srv.Customers()[i]
	client := e.cn(t, e.customer(i))
	ids := []string{mains[0].ResourceID, mains[1].ResourceID}

	t.Run("a year for two resources", func(t *testing.T) {
		resp, err := client.ListRenewRateOnPeriod(&model.ListRenewRateOnPeriodRequest{Body: &model.ListRenewRateOnPeriodReq{ResourceIds: ids, PeriodType: PeriodYear, PeriodNum: 1}})
		mustOK(t, err)
		q, err := e.srv.QuoteRenewal(c.ID, ids, PeriodYear, 1)
		mustOK(t, err)
		if got := *resp.OfficialWebsiteRatingResult.OfficialWebsiteAmount; got != q.Official.StringFixed(2) {
			t.Errorf("got official %s, want %s", got, q.Official.StringFixed(2))
		}
		sum := decimal.Zero
		for _, r := range *resp.RenewInquiryResults {
			sum = sum.Add(decimal.RequireFromString(*r.Amount))
		}
		if !sum.Equal(q.Official) {
			t.Errorf("got per-resource amounts summing to %s, want %s", sum, q.Official)
		}
		month, err := e.srv.QuoteRenewal(c.ID, ids, PeriodMonth, 1)
		mustOK(t, err)
		if !q.Official.Equal(month.Official.Mul(decimal.NewFromInt(10))) {
			t.Errorf("got a year at %s and a month at %s, want a year at ten months", q.Official, month.Official)
		}
		best := 0
		for _, d := range *resp.OptionalDiscountRatingResults {
			if *d.BestOffer == 1 {
				best++
				if *d.Amount != q.Amount.StringFixed(2) {
					t.Errorf("got best offer %s, want %s", *d.Amount, q.Amount.StringFixed(2))
				}
			}
		}
		if n := len(*orEmpty(resp.OptionalDiscountRatingResults)); (n > 0) != (best == 1) {
			t.Errorf("got %d best offers among %d discounts, want exactly one when there are any", best, n)
		}
		if *resp.Currency != "CNY" {
			t.Errorf("got currency %q, want CNY", *resp.Currency)
		}
	})
	t.Run("failures inside 200", func(t *testing.T) {
		var part, other string
		for _, r := range e.srv.Resources(c.ID) {
			if !r.Main {
				part = r.ResourceID
			}
		}
		for _, cu := range e.srv.Customers() {
			if cu.ID != c.ID && len(e.srv.Resources(cu.ID)) > 0 {
				other = e.srv.Resources(cu.ID)[0].ResourceID
				break
			}
		}
		req := []string{ids[0], part, "no-such-resource", other}
		resp, err := client.ListRenewRateOnPeriod(&model.ListRenewRateOnPeriodRequest{Body: &model.ListRenewRateOnPeriodReq{ResourceIds: req, PeriodType: PeriodMonth, PeriodNum: 3}})
		mustOK(t, err)
		got := map[string]string{}
		for _, f := range *resp.FailResourceInfos {
			got[*f.ResourceId] = *f.ErrorCode
		}
		want := map[string]string{part: "CBC.30050007", "no-such-resource": "CBC.30050009", other: "CBC.30050009"}
		for id, code := range want {
			if got[id] != code {
				t.Errorf("resource %s: got %q, want %s", id, got[id], code)
			}
		}
		if n := len(*resp.RenewInquiryResults); n != 1 {
			t.Errorf("got %d priced resources, want 1", n)
		}
	})
	errs := []struct {
		name string
		req  model.ListRenewRateOnPeriodReq
		code string
	}{
		{"duplicate ids", model.ListRenewRateOnPeriodReq{ResourceIds: []string{ids[0], ids[0]}, PeriodType: 2, PeriodNum: 1}, "CBC.30050012"},
		{"eleven ids", model.ListRenewRateOnPeriodReq{ResourceIds: make([]string, 11), PeriodType: 2, PeriodNum: 1}, "CBC.0100"},
		{"no ids", model.ListRenewRateOnPeriodReq{ResourceIds: []string{}, PeriodType: 2, PeriodNum: 1}, "CBC.0100"},
		{"twelve months", model.ListRenewRateOnPeriodReq{ResourceIds: ids[:1], PeriodType: 2, PeriodNum: 12}, "CBC.0100"},
		{"four years", model.ListRenewRateOnPeriodReq{ResourceIds: ids[:1], PeriodType: 3, PeriodNum: 4}, "CBC.0100"},
		{"period type 1", model.ListRenewRateOnPeriodReq{ResourceIds: ids[:1], PeriodType: 1, PeriodNum: 1}, "CBC.0100"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.ListRenewRateOnPeriod(&model.ListRenewRateOnPeriodRequest{Body: &tt.req})
			wantAPIError(t, err, http.StatusBadRequest, tt.code)
		})
	}
	t.Run("partner credentials", func(t *testing.T) {
		_, err := e.cn(t, e.partner()).ListRenewRateOnPeriod(&model.ListRenewRateOnPeriodRequest{Body: &model.ListRenewRateOnPeriodReq{ResourceIds: ids, PeriodType: 2, PeriodNum: 1}})
		wantAPIError(t, err, http.StatusForbidden, "CBC.0151")
	})
	t.Run("price rises", func(t *testing.T) {
		before, err := e.srv.QuoteRenewal(c.ID, ids[:1], PeriodMonth, 1)
		mustOK(t, err)
		e.srv.SetPriceFactor(c.ID, decimal.RequireFromString("1.2"))
		t.Cleanup(func() { e.srv.SetPriceFactor(c.ID, decimal.NewFromInt(1)) })
		resp, err := client.ListRenewRateOnPeriod(&model.ListRenewRateOnPeriodRequest{Body: &model.ListRenewRateOnPeriodReq{ResourceIds: ids[:1], PeriodType: PeriodMonth, PeriodNum: 1}})
		mustOK(t, err)
		want := before.Official.Mul(decimal.RequireFromString("1.2")).Round(2).StringFixed(2)
		if got := *resp.OfficialWebsiteRatingResult.OfficialWebsiteAmount; got != want {
			t.Errorf("got %s after a 20%% rise, want %s", got, want)
		}
	})
}

func orEmpty[T any](p *[]T) *[]T {
	if p == nil {
		return &[]T{}
	}
	return p
}

func TestRenewalResources(t *testing.T) {
	renew := func(t *testing.T, e *env, i int, ids []string, autoPay int32) (*model.RenewalResourcesResponse, error) {
		t.Helper()
		return e.cn(t, e.customer(i)).RenewalResources(&model.RenewalResourcesRequest{Body: &model.RenewalResourcesReq{
			ResourceIds: ids, PeriodType: PeriodMonth, PeriodNum: 2, IsAutoPay: &autoPay,
		}})
	}
	t.Run("auto-pay moves the expiry and creates one paid order", func(t *testing.T) {
		e := newEnv(t, Options{Seed: 22, Customers: 80})
		i, mains := renewableMain(t, e, 1)
		c := e.srv.Customers()[i]
		mustOK(t, e.srv.SetCustomerBalance(c.ID, decimal.NewFromInt(1_000_000)))
		before := expiries(e.srv.Resources(c.ID))
		q, err := e.srv.QuoteRenewal(c.ID, []string{mains[0].ResourceID}, PeriodMonth, 2)
		mustOK(t, err)

		resp, err := renew(t, e, i, []string{mains[0].ResourceID}, 1)
		mustOK(t, err)
		orders := e.srv.Orders()
		if len(orders) != 1 || len(*resp.OrderIds) != 1 || orders[0].ID != (*resp.OrderIds)[0] || !orders[0].Paid {
			t.Fatalf("got orders %+v and response %v, want one paid order", orders, *resp.OrderIds)
		}
		if !orders[0].Amount.Equal(q.Amount) {
			t.Errorf("got order amount %s, want the best offer %s", orders[0].Amount, q.Amount)
		}
		for _, r := range e.srv.Resources(c.ID) {
			renewed := r.ResourceID == mains[0].ResourceID || r.ParentID == mains[0].ResourceID
			want := before[r.ResourceID]
			if renewed {
				want = want.AddDate(0, 2, 0)
			}
			if !r.ExpireTime.Equal(want) {
				t.Errorf("resource %s (renewed %v): got expiry %s, want %s", r.ResourceID, renewed, r.ExpireTime, want)
			}
		}
		got, _ := e.srv.Customer(c.ID)
		if want := decimal.NewFromInt(1_000_000).Sub(q.Amount); !got.Balance.Equal(want) {
			t.Errorf("got balance %s after paying, want %s", got.Balance, want)
		}
	})
	t.Run("unpaid order blocks a second renewal until paid", func(t *testing.T) {
		e := newEnv(t, Options{Seed: 23, Customers: 80})
		i, mains := renewableMain(t, e, 1)
		c := e.srv.Customers()[i]
		id := mains[0].ResourceID
		resp, err := renew(t, e, i, []string{id}, 0)
		mustOK(t, err)
		if got := expiries(e.srv.Resources(c.ID))[id]; !got.Equal(mains[0].ExpireTime) {
			t.Errorf("an unpaid order moved the expiry to %s", got)
		}
		_, err = renew(t, e, i, []string{id}, 0)
		wantAPIError(t, err, http.StatusBadRequest, "CBC.99003100")
		rate, err := e.cn(t, e.customer(i)).ListRenewRateOnPeriod(&model.ListRenewRateOnPeriodRequest{Body: &model.ListRenewRateOnPeriodReq{ResourceIds: []string{id}, PeriodType: 2, PeriodNum: 1}})
		mustOK(t, err)
		if f := *rate.FailResourceInfos; len(f) != 1 || *f[0].ErrorCode != "CBC.30050010" {
			t.Errorf("got renew-rate failures %+v, want CBC.30050010", f)
		}
		if n := len(e.srv.Orders()); n != 1 {
			t.Errorf("got %d orders, want 1", n)
		}
		mustOK(t, e.srv.PayOrder((*resp.OrderIds)[0]))
		if err := e.srv.PayOrder((*resp.OrderIds)[0]); err == nil {
			t.Errorf("paying twice: got no error")
		}
		for _, r := range e.srv.Resources(c.ID) {
			if r.ResourceID == id && !r.ExpireTime.Equal(mains[0].ExpireTime.AddDate(0, 2, 0)) {
				t.Errorf("after payment: got expiry %s, want %s", r.ExpireTime, mains[0].ExpireTime.AddDate(0, 2, 0))
			}
		}
		_, err = renew(t, e, i, []string{id}, 0)
		mustOK(t, err)
	})
	t.Run("all or nothing", func(t *testing.T) {
		e := newEnv(t, Options{Seed: 24, Customers: 80})
		i, mains := renewableMain(t, e, 1)
		c := e.srv.Customers()[i]
		before := expiries(e.srv.Resources(c.ID))
		var part string
		for _, r := range e.srv.Resources(c.ID) {
			if r.ParentID == mains[0].ResourceID {
				part = r.ResourceID
			}
		}
		mustOK(t, e.srv.SetCustomerBalance(c.ID, decimal.NewFromInt(1_000_000)))
		cases := []struct {
			name string
			ids  []string
			code string
		}{
			{"attached part", []string{mains[0].ResourceID, part}, "CBC.30010036"},
			{"unknown resource", []string{mains[0].ResourceID, "no-such-resource"}, "CBC.99003016"},
		}
		for _, tt := range cases {
			_, err := renew(t, e, i, tt.ids, 1)
			wantAPIError(t, err, http.StatusBadRequest, tt.code)
		}
		mustOK(t, e.srv.SetCustomerBalance(c.ID, decimal.NewFromInt(1)))
		_, err := renew(t, e, i, []string{mains[0].ResourceID}, 1)
		wantAPIError(t, err, http.StatusBadRequest, "CBC.30050006")
		if n := len(e.srv.Orders()); n != 0 {
			t.Errorf("got %d orders after failed renewals, want 0", n)
		}
		for _, r := range e.srv.Resources(c.ID) {
			if !r.ExpireTime.Equal(before[r.ResourceID]) {
				t.Errorf("resource %s: expiry moved by a failed renewal", r.ResourceID)
			}
		}
	})
	t.Run("partner credentials", func(t *testing.T) {
		e := newEnv(t, Options{Seed: 25, Customers: 3})
		autoPay := int32(1)
		_, err := e.cn(t, e.partner()).RenewalResources(&model.RenewalResourcesRequest{Body: &model.RenewalResourcesReq{ResourceIds: []string{"x"}, PeriodType: 2, PeriodNum: 1, IsAutoPay: &autoPay}})
		wantAPIError(t, err, http.StatusForbidden, "CBC.0151")
	})
}

func expiries(res []Resource) map[string]time.Time {
	out := make(map[string]time.Time, len(res))
	for _, r := range res {
		out[r.ResourceID] = r.ExpireTime
	}
	return out
}

func TestTemporaryCredentials(t *testing.T) {
	e := newEnv(t, Options{Seed: 26, Customers: 80})
	i, mains := renewableMain(t, e, 1)
	c := e.srv.Customers()[i]
	tmp, err := e.srv.IssueTemporaryCredentials(c.ID, time.Minute)
	mustOK(t, err)
	req := &model.ListRenewRateOnPeriodRequest{Body: &model.ListRenewRateOnPeriodReq{ResourceIds: []string{mains[0].ResourceID}, PeriodType: 2, PeriodNum: 1}}

	_, err = e.cn(t, creds{ak: tmp.AK, sk: tmp.SK, domainID: c.DomainID, token: tmp.Token}).ListRenewRateOnPeriod(req)
	mustOK(t, err)
	_, err = e.cn(t, creds{ak: tmp.AK, sk: tmp.SK, domainID: c.DomainID}).ListRenewRateOnPeriod(req)
	wantAPIError(t, err, http.StatusUnauthorized, "APIGW.0301")

	expired, err := e.srv.IssueTemporaryCredentials(c.ID, -time.Second)
	mustOK(t, err)
	_, err = e.cn(t, creds{ak: expired.AK, sk: expired.SK, domainID: c.DomainID, token: expired.Token}).ListRenewRateOnPeriod(req)
	wantAPIError(t, err, http.StatusUnauthorized, "APIGW.0301")
}

func TestInternationalRenewal(t *testing.T) {
	e := newEnv(t, Options{Site: SiteIntl, Seed: 27, Customers: 80})
	i, mains := renewableMain(t, e, 1)
	c := e.srv.Customers()[i]
	client := e.intl(t, e.customer(i))
	rate, err := client.ListRenewRateOnPeriod(&intlmodel.ListRenewRateOnPeriodRequest{Body: &intlmodel.ListRenewRateOnPeriodReq{
		ResourceIds: []string{mains[0].ResourceID}, PeriodType: PeriodYear, PeriodNum: 2,
	}})
	mustOK(t, err)
	q, err := e.srv.QuoteRenewal(c.ID, []string{mains[0].ResourceID}, PeriodYear, 2)
	mustOK(t, err)
	if *rate.Currency != "USD" || *rate.OfficialWebsiteRatingResult.OfficialWebsiteAmount != q.Official.StringFixed(2) {
		t.Errorf("got %s %s, want USD %s", *rate.Currency, *rate.OfficialWebsiteRatingResult.OfficialWebsiteAmount, q.Official.StringFixed(2))
	}
	resp, err := client.RenewalResources(&intlmodel.RenewalResourcesRequest{Body: &intlmodel.RenewalResourcesReq{
		ResourceIds: []string{mains[0].ResourceID}, PeriodType: PeriodYear, PeriodNum: 2,
	}})
	mustOK(t, err)
	o := e.srv.Orders()
	if len(o) != 1 || o[0].ID != (*resp.OrderIds)[0] || o[0].Paid || o[0].Currency != "USD" {
		t.Errorf("got orders %+v, want one unpaid USD order", o)
	}
}
