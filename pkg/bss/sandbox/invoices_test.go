package sandbox

import (
	"net/http"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	intlmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2/model"
)

func TestListInvoices(t *testing.T) {
	e := newEnv(t, Options{Site: SiteIntl, Seed: 40, Customers: 3})
	client := e.intl(t, e.partner())
	start, end := ts(anchor.AddDate(0, 0, -200)), ts(anchor)
	all := e.srv.Invoices(e.srv.Partner().DomainID)

	states := map[int32]bool{}
	seen := map[string]bool{}
	for page := int32(1); ; page++ {
		resp, err := client.ListInvoices(&intlmodel.ListInvoicesRequest{StartTime: start, EndTime: end, Offset: page, Limit: 7})
		mustOK(t, err)
		if int(*resp.Count) != len(all) {
			t.Fatalf("got count %d, want %d", *resp.Count, len(all))
		}
		for _, inv := range *resp.Invoices {
			seen[*inv.RequestId] = true
			states[*inv.InvoiceState] = true
			if inv.InvoiceAmount == nil || inv.InvoiceAmount.IsZero() {
				t.Errorf("invoice %s has no amount", *inv.RequestId)
			}
		}
		if int(page)*7 >= len(all) {
			break
		}
	}
	if len(seen) != len(all) {
		t.Errorf("got %d invoices over pages, want %d", len(seen), len(all))
	}
	for _, st := range InvoiceStates {
		if !states[int32(st)] {
			t.Errorf("no invoice in state %d", st)
		}
	}

	t.Run("customer reads its own", func(t *testing.T) {
		c := e.srv.Customers()[0]
		resp, err := e.intl(t, e.customer(0)).ListInvoices(&intlmodel.ListInvoicesRequest{StartTime: start, EndTime: end, Offset: 1, Limit: 100})
		mustOK(t, err)
		if want := len(e.srv.Invoices(c.DomainID)); int(*resp.Count) != want {
			t.Errorf("got %d invoices, want %d", *resp.Count, want)
		}
	})
	for _, tt := range []struct {
		name string
		req  intlmodel.ListInvoicesRequest
	}{
		{"page 0", intlmodel.ListInvoicesRequest{StartTime: start, EndTime: end, Offset: 0, Limit: 10}},
		{"page 100000", intlmodel.ListInvoicesRequest{StartTime: start, EndTime: end, Offset: 100000, Limit: 10}},
		{"limit 101", intlmodel.ListInvoicesRequest{StartTime: start, EndTime: end, Offset: 1, Limit: 101}},
		{"limit 0", intlmodel.ListInvoicesRequest{StartTime: start, EndTime: end, Offset: 1, Limit: 0}},
		{"no start time", intlmodel.ListInvoicesRequest{EndTime: end, Offset: 1, Limit: 10}},
		{"bad end time", intlmodel.ListInvoicesRequest{StartTime: start, EndTime: "2026-11-21", Offset: 1, Limit: 10}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.ListInvoices(&tt.req)
			wantAPIError(t, err, http.StatusBadRequest, "CBC.0100")
		})
	}
	t.Run("another account's domain in the path", func(t *testing.T) {
		// The SDK fills {domain_id} from the credentials' domain id, which must also match X-Domain-Id,
		// so the path is checked with a hand-made request.
		resp, err := signedDo(t, http.MethodGet, e.url+"/v1.0/"+e.customer(1).domainID+"/payments/intl-invoices", "", nil, e.partner())
		wantStatus(t, resp, err, http.StatusForbidden, "CBC.0151")
	})
}

func TestListInvoicesNotOnChinaSite(t *testing.T) {
	e := newEnv(t, Options{Site: SiteCN, Seed: 41, Customers: 1})
	_, err := e.intl(t, e.partner()).ListInvoices(&intlmodel.ListInvoicesRequest{StartTime: ts(anchor.AddDate(0, -1, 0)), EndTime: ts(anchor), Offset: 1, Limit: 10})
	wantAPIError(t, err, http.StatusNotFound, "APIGW.0101")
	// And the China site does not answer international-only paths for any account kind.
	_, err = e.intl(t, e.customer(0)).ListInvoices(&intlmodel.ListInvoicesRequest{StartTime: ts(anchor.AddDate(0, -1, 0)), EndTime: ts(anchor), Offset: 1, Limit: 10})
	wantAPIError(t, err, http.StatusNotFound, "APIGW.0101")
	if _, err := e.cn(t, e.partner()).ListPartnerBalances(&model.ListPartnerBalancesRequest{}); err != nil {
		t.Fatalf("China-site API on the China site: %v", err)
	}
}
