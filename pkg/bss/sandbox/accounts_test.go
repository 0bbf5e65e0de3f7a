package sandbox

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	intlmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2/model"
	"github.com/shopspring/decimal"
)

func TestListPartnerBalances(t *testing.T) {
	e := newEnv(t, Options{Seed: 1, Customers: 3})
	resp, err := e.cn(t, e.partner()).ListPartnerBalances(&model.ListPartnerBalancesRequest{})
	mustOK(t, err)
	got := map[int32]float64{}
	for _, b := range *resp.AccountBalances {
		got[b.AccountType] = b.Amount
		if b.Currency != "CNY" || b.MeasureId != 1 {
			t.Errorf("account %d: got currency %q measure %d, want CNY 1", b.AccountType, b.Currency, b.MeasureId)
		}
	}
	for _, a := range e.srv.PartnerAccounts() {
		want, _ := a.Amount.Float64()
		if got[int32(a.Type)] != want {
			t.Errorf("account type %d: got %v, want %v", a.Type, got[int32(a.Type)], want)
		}
	}
	if len(got) != 3 {
		t.Errorf("got %d account types, want cash, credit and allocatable", len(got))
	}

	if err := e.srv.SetPartnerBalance(AccountCash, decimal.RequireFromString("12.34")); err != nil {
		t.Fatal(err)
	}
	resp, err = e.cn(t, e.partner()).ListPartnerBalances(&model.ListPartnerBalancesRequest{})
	mustOK(t, err)
	for _, b := range *resp.AccountBalances {
		if b.AccountType == AccountCash && b.Amount != 12.34 {
			t.Errorf("after SetPartnerBalance: got cash %v, want 12.34", b.Amount)
		}
	}
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t, Options{Seed: 2, Customers: 2})
	p := e.partner()
	tests := []struct {
		name string
		c    creds
	}{
		{"wrong secret key", creds{ak: p.ak, sk: strings.Repeat("x", 40), domainID: p.domainID}},
		{"unknown access key", creds{ak: "NOSUCHACCESSKEY00000", sk: p.sk, domainID: p.domainID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.cn(t, tt.c).ListPartnerBalances(&model.ListPartnerBalancesRequest{})
			wantAPIError(t, err, http.StatusUnauthorized, "APIGW.0301")
			if strings.Contains(err.Error(), p.sk) {
				t.Errorf("error text carries the secret key")
			}
		})
	}
	t.Run("X-Domain-Id of another account", func(t *testing.T) {
		c := p
		c.domainID = e.customer(0).domainID
		_, err := e.cn(t, c).ListPartnerBalances(&model.ListPartnerBalancesRequest{})
		wantAPIError(t, err, http.StatusForbidden, "CBC.0151")
	})
	t.Run("body changed after signing", func(t *testing.T) {
		// A signature over one body must not authorise another: the payload hash is part of it.
		req, _ := http.NewRequest(http.MethodPost, e.url+"/v2/partners/sub-customers/query", strings.NewReader(`{"limit":1}`))
		req.Header.Set("X-Sdk-Date", time.Now().UTC().Format("20060102T150405Z"))
		req.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+p.ak+", SignedHeaders=x-sdk-date, Signature=00")
		resp, err := http.DefaultClient.Do(req)
		mustOK(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("got %d with request id %q, want 401 with a request id", resp.StatusCode, resp.Header.Get("X-Request-Id"))
		}
	})
}

func TestStaleDate(t *testing.T) {
	tests := []struct {
		name  string
		shift time.Duration
		want  int
	}{
		{"server 20 minutes ahead", 20 * time.Minute, http.StatusUnauthorized},
		{"server 20 minutes behind", -20 * time.Minute, http.StatusUnauthorized},
		{"server 10 minutes ahead", 10 * time.Minute, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{Seed: 3, Customers: 1, WallClock: func() time.Time { return time.Now().Add(tt.shift) }})
			_, err := e.cn(t, e.partner()).ListPartnerBalances(&model.ListPartnerBalancesRequest{})
			if tt.want == http.StatusOK {
				mustOK(t, err)
				return
			}
			wantAPIError(t, err, tt.want, "APIGW.0301")
		})
	}
}

func TestListSubCustomersPaging(t *testing.T) {
	const n = 237
	e := newEnv(t, Options{Seed: 4, Customers: n})
	client := e.cn(t, e.partner())
	seen := map[string]bool{}
	for offset := int32(0); ; offset += 100 {
		resp, err := client.ListSubCustomers(&model.ListSubCustomersRequest{Body: &model.QuerySubCustomerListReq{Offset: &offset, Limit: ptr(int32(100))}})
		mustOK(t, err)
		if got := *resp.Count; got != n {
			t.Fatalf("got count %d, want %d", got, n)
		}
		for _, c := range *resp.CustomerInfos {
			if seen[c.CustomerId] {
				t.Fatalf("customer %s on two pages", c.CustomerId)
			}
			seen[c.CustomerId] = true
		}
		if int(offset)+100 >= n {
			break
		}
	}
	if len(seen) != n {
		t.Errorf("got %d customers over all pages, want %d", len(seen), n)
	}

	t.Run("filter by association type", func(t *testing.T) {
		resellers := 0
		for _, c := range e.srv.Customers() {
			if c.Reseller {
				resellers++
			}
		}
		resp, err := client.ListSubCustomers(&model.ListSubCustomersRequest{Body: &model.QuerySubCustomerListReq{AssociationType: ptr("2"), Limit: ptr(int32(1))}})
		mustOK(t, err)
		if int(*resp.Count) != resellers {
			t.Errorf("got %d reseller customers, want %d", *resp.Count, resellers)
		}
	})
	for _, tt := range []struct {
		name          string
		offset, limit int32
	}{{"limit 0", 0, 0}, {"limit 101", 0, 101}, {"negative offset", -1, 10}} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.ListSubCustomers(&model.ListSubCustomersRequest{Body: &model.QuerySubCustomerListReq{Offset: &tt.offset, Limit: &tt.limit}})
			wantAPIError(t, err, http.StatusBadRequest, "CBC.0100")
		})
	}
	t.Run("customer credentials", func(t *testing.T) {
		_, err := e.cn(t, e.customer(0)).ListSubCustomers(&model.ListSubCustomersRequest{Body: &model.QuerySubCustomerListReq{}})
		wantAPIError(t, err, http.StatusForbidden, "CBC.0151")
	})
}

func TestListCustomersBalancesDetail(t *testing.T) {
	e := newEnv(t, Options{Seed: 5, Customers: 150})
	client := e.cn(t, e.partner())
	customers := e.srv.Customers()
	infos := make([]model.CustomerInfoV2, 100)
	for i := range infos {
		infos[i].CustomerId = customers[i].ID
	}
	resp, err := client.ListCustomersBalancesDetail(&model.ListCustomersBalancesDetailRequest{Body: &model.QueryCustomersBalancesReq{CustomerInfos: infos}})
	mustOK(t, err)
	got := map[string]model.CustomerBalancesV2{}
	for _, b := range *resp.CustomerBalances {
		got[b.CustomerId] = b
	}
	for _, c := range customers[:100] {
		b, ok := got[c.ID]
		if ok != c.Reseller {
			t.Errorf("customer %s (reseller %v): present %v, want present only for reseller customers", c.ID, c.Reseller, ok)
			continue
		}
		if !ok {
			continue
		}
		net := b.Amount.Sub(*b.DebtAmount)
		if !net.Equal(c.Balance) || *b.Currency != "CNY" {
			t.Errorf("customer %s: got amount %s debt %s %s, want balance %s CNY", c.ID, b.Amount, b.DebtAmount, *b.Currency, c.Balance)
		}
	}

	t.Run("101 customers", func(t *testing.T) {
		infos := make([]model.CustomerInfoV2, 101)
		for i := range infos {
			infos[i].CustomerId = customers[i].ID
		}
		_, err := client.ListCustomersBalancesDetail(&model.ListCustomersBalancesDetailRequest{Body: &model.QueryCustomersBalancesReq{CustomerInfos: infos}})
		wantAPIError(t, err, http.StatusBadRequest, "CBC.0100")
	})
	t.Run("no customers", func(t *testing.T) {
		_, err := client.ListCustomersBalancesDetail(&model.ListCustomersBalancesDetailRequest{Body: &model.QueryCustomersBalancesReq{CustomerInfos: []model.CustomerInfoV2{}}})
		wantAPIError(t, err, http.StatusBadRequest, "CBC.0100")
	})
	t.Run("customer credentials", func(t *testing.T) {
		_, err := e.cn(t, e.customer(0)).ListCustomersBalancesDetail(&model.ListCustomersBalancesDetailRequest{Body: &model.QueryCustomersBalancesReq{CustomerInfos: infos[:1]}})
		wantAPIError(t, err, http.StatusForbidden, "CBC.0151")
	})
	t.Run("top-up shows", func(t *testing.T) {
		var c Customer
		for _, x := range customers {
			if x.Reseller {
				c = x
				break
			}
		}
		mustOK(t, e.srv.SetCustomerBalance(c.ID, decimal.RequireFromString("-42.50")))
		resp, err := client.ListCustomersBalancesDetail(&model.ListCustomersBalancesDetailRequest{Body: &model.QueryCustomersBalancesReq{CustomerInfos: []model.CustomerInfoV2{{CustomerId: c.ID}}}})
		mustOK(t, err)
		b := (*resp.CustomerBalances)[0]
		if !b.Amount.IsZero() || !b.DebtAmount.Equal(decimal.RequireFromString("42.5")) {
			t.Errorf("got amount %s debt %s, want 0 and 42.50", b.Amount, b.DebtAmount)
		}
	})
}

func TestShowCustomerAccountBalances(t *testing.T) {
	t.Run("customer on the China site", func(t *testing.T) {
		e := newEnv(t, Options{Seed: 6, Customers: 20})
		i := slices.IndexFunc(e.srv.Customers(), func(c Customer) bool { return !c.Reseller })
		c := e.srv.Customers()[i]
		mustOK(t, e.srv.SetCustomerBalance(c.ID, decimal.RequireFromString("99.99")))
		resp, err := e.cn(t, e.customer(i)).ShowCustomerAccountBalances(&model.ShowCustomerAccountBalancesRequest{})
		mustOK(t, err)
		ab := (*resp.AccountBalances)[0]
		if ab.AccountType != AccountCash || !ab.Amount.Equal(decimal.RequireFromString("99.99")) || !resp.DebtAmount.IsZero() {
			t.Errorf("got type %d amount %s debt %s, want cash 99.99 and no debt", ab.AccountType, ab.Amount, resp.DebtAmount)
		}
		_, err = e.cn(t, e.partner()).ShowCustomerAccountBalances(&model.ShowCustomerAccountBalancesRequest{})
		wantAPIError(t, err, http.StatusForbidden, "CBC.0151")
	})
	t.Run("reseller customer on the China site has no balance of its own", func(t *testing.T) {
		e := newEnv(t, Options{Seed: 6, Customers: 20})
		i := slices.IndexFunc(e.srv.Customers(), func(c Customer) bool { return c.Reseller })
		_, err := e.cn(t, e.customer(i)).ShowCustomerAccountBalances(&model.ShowCustomerAccountBalancesRequest{})
		wantAPIError(t, err, http.StatusBadRequest, "CBC.99000049")
	})
	t.Run("international site: customers, not the partner", func(t *testing.T) {
		e := newEnv(t, Options{Site: SiteIntl, Seed: 6, Customers: 2})
		resp, err := e.intl(t, e.customer(0)).ShowCustomerAccountBalances(&intlmodel.ShowCustomerAccountBalancesRequest{})
		mustOK(t, err)
		if *resp.Currency != "USD" || len(*resp.AccountBalances) == 0 {
			t.Errorf("got %s with %d accounts, want USD accounts", *resp.Currency, len(*resp.AccountBalances))
		}
		_, err = e.intl(t, e.partner()).ShowCustomerAccountBalances(&intlmodel.ShowCustomerAccountBalancesRequest{})
		wantAPIError(t, err, http.StatusForbidden, "CBC.0151")
	})
}

func TestSiteRoutes(t *testing.T) {
	e := newEnv(t, Options{Site: SiteIntl, Seed: 7, Customers: 1})
	// The international site has no partner balance API; the China-site SDK call reaches a missing path.
	_, err := e.cn(t, e.partner()).ListPartnerBalances(&model.ListPartnerBalancesRequest{})
	wantAPIError(t, err, http.StatusNotFound, "APIGW.0101")
}
