package bss

import "fmt"

// Can says whether an account of this role on this site may call api, and if not, why: BSS would
// answer 403 (and count it against the account), or the site's SDK has no such API. It is the one
// statement of these rules: clients refuse such calls before sending them, and configuration
// validation asks it, so a profile that cannot serve a check is refused at start-up.
func Can(role Role, site Site, api API) error {
	partner, cn := role == Partner, site == China
	switch api {
	case ListPartnerBalances, ListCustomersBalancesDetail, ListQuotaCoupons, ListIssuedPartnerCoupons,
		ListPartnerAccountChangeRecords, ListConsumeSubCustomers, ListSubCustomerBillDetail:
		if !partner || !cn {
			return fmt.Errorf("only a China-site partner can call %s", api)
		}
	case ListSubCustomers, CreateTemporaryAccessKeyByAgency:
		if !partner {
			return fmt.Errorf("only a partner can call %s", api)
		}
	case ShowCustomerAccountBalances:
		// Documented for a customer's own account only (customer AK/SK; intl doc mac_00001).
		if partner {
			return fmt.Errorf("%s reads a customer's own balance; a partner cannot call it (a China-site partner reads its balances with ListPartnerBalances)", api)
		}
	case ListCustomerselfResourceRecords:
		// Documented for a customer's own consumption, like ShowCustomerAccountBalances.
		if partner {
			return fmt.Errorf("%s reads a customer's own fee records; a partner cannot call it (a China-site partner reads its spend with ListPartnerAccountChangeRecords)", api)
		}
	case ListRenewRateOnPeriod, RenewalResources:
		if partner {
			return fmt.Errorf("only the customer's own (or agency) credentials can call %s", api)
		}
	case ListCustomerOrders:
		// BSS would let a partner list its customers' orders; the order lookup runs with the
		// credentials that placed the order, so it stays with the customer like Renew.
		if partner {
			return fmt.Errorf("orders are looked up with the customer's own (or agency) credentials, like renewals (%s)", api)
		}
	case ListInvoices:
		if cn {
			return fmt.Errorf("the China site has no invoice API (%s); China-site partners see invoice requests in the partner center console (费用中心 > 发票管理)", api)
		}
	}
	return nil
}

// allow refuses, before any call, an API that the profile's role and site cannot use (see Can).
func (c *Client) allow(api API) error {
	p := c.profile
	if err := Can(p.Role, p.Site, api); err != nil {
		return unsupported(string(api), "%v; profile %s is a %s-site %s", err, p.Name, p.Site, p.Role)
	}
	return nil
}
