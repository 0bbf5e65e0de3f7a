package bss

// allow refuses, before any call, an API that the profile's role and site cannot use: BSS would
// answer 403 (and count it against the account), or the site's SDK has no such API.
func (c *Client) allow(api API) error {
	p := c.profile
	partner, cn := p.Role == Partner, p.Site == China
	switch api {
	case ListPartnerBalances, ListCustomersBalancesDetail, ListQuotaCoupons, ListIssuedPartnerCoupons:
		if !partner || !cn {
			return unsupported(string(api), "only a China-site partner can call it; profile %s is a %s-site %s", p.Name, p.Site, p.Role)
		}
	case ListSubCustomers:
		if !partner {
			return unsupported(string(api), "only a partner can call it; profile %s is a customer", p.Name)
		}
	case ShowCustomerAccountBalances:
		// Documented for a customer's own account only (customer AK/SK; intl doc mac_00001).
		if partner {
			return unsupported(string(api), "it reads a customer's own balance; profile %s is a partner (a China-site partner reads its balances with ListPartnerBalances)", p.Name)
		}
	case ListRenewRateOnPeriod, RenewalResources:
		if partner {
			return unsupported(string(api), "only the customer's own (or agency) credentials can quote or renew; profile %s is a partner", p.Name)
		}
	case ListCustomerOrders:
		// BSS would let a partner list its customers' orders; the order lookup runs with the
		// credentials that placed the order, so it stays with the customer like Renew.
		if partner {
			return unsupported(string(api), "orders are looked up with the customer's own (or agency) credentials, like renewals; profile %s is a partner", p.Name)
		}
	case ListInvoices:
		if cn {
			return unsupported(string(api), "the China site has no invoice API; profile %s is a China-site %s", p.Name, p.Role)
		}
	}
	return nil
}
