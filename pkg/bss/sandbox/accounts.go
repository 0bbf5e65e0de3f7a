package sandbox

import (
	"net/http"
	"strings"

	"github.com/shopspring/decimal"
)

// Wire shapes of the account APIs (services/bss/v2/model: AccountBalanceV2, CustomerInformation,
// CustomerBalancesV2, AccountBalanceV3).

type accountBalanceV2 struct {
	AccountID        string      `json:"account_id"`
	AccountType      int         `json:"account_type"`
	Amount           *amountJSON `json:"amount"`
	Currency         string      `json:"currency"`
	DesignatedAmount *amountJSON `json:"designated_amount,omitempty"`
	CreditAmount     *amountJSON `json:"credit_amount,omitempty"`
	MeasureID        int         `json:"measure_id"`
	Memo             string      `json:"memo,omitempty"`
}

type listPartnerBalancesResponse struct {
	AccountBalances []accountBalanceV2 `json:"account_balances"`
}

func (s *Server) listPartnerBalances(c *call) (any, *apiError) {
	q := newQuery(c.r)
	ind := q.str("indirect_partner_id", 64)
	if q.err != nil {
		return nil, q.err
	}
	if err := noIndirectPartner(ind); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := listPartnerBalancesResponse{AccountBalances: []accountBalanceV2{}}
	for _, a := range s.w.accounts {
		b := accountBalanceV2{AccountID: a.AccountID, AccountType: a.Type, Amount: amt(a.Amount), Currency: a.Currency,
			DesignatedAmount: amt(a.DesignatedAmount), MeasureID: 1}
		if a.Type == AccountCredit {
			b.CreditAmount = amt(a.CreditAmount)
		}
		out.AccountBalances = append(out.AccountBalances, b)
	}
	return out, nil
}

type subCustomersRequest struct {
	AccountName       *string `json:"account_name"`
	Customer          *string `json:"customer"`
	Offset            *int32  `json:"offset"`
	Limit             *int32  `json:"limit"`
	Label             *string `json:"label"`
	AssociationType   *string `json:"association_type"`
	AssociatedOnBegin *string `json:"associated_on_begin"`
	AssociatedOnEnd   *string `json:"associated_on_end"`
	CustomerID        *string `json:"customer_id"`
	IndirectPartnerID *string `json:"indirect_partner_id"`
}

type customerInformation struct {
	Customer        string `json:"customer,omitempty"`
	AccountName     string `json:"account_name"`
	CustomerID      string `json:"customer_id"`
	AssociatedOn    string `json:"associated_on,omitempty"`
	AssociationType string `json:"association_type,omitempty"`
	Label           string `json:"label,omitempty"`
	VerifiedStatus  string `json:"verified_status,omitempty"`
	CountryCode     string `json:"country_code,omitempty"`
	CustomerType    int    `json:"customer_type"`
	IsFrozen        int    `json:"is_frozen"`
	CustomerLevel   string `json:"customer_level,omitempty"`
}

type listSubCustomersResponse struct {
	CustomerInfos []customerInformation `json:"customer_infos"`
	Count         int                   `json:"count"`
}

// maxSubCustomersLimit is ListSubCustomers' largest page (api-bpconsole mc_00021: limit 1-100).
const maxSubCustomersLimit = 100

func (s *Server) listSubCustomers(c *call) (any, *apiError) {
	var req subCustomersRequest
	if len(strings.TrimSpace(string(c.body))) > 0 {
		if err := decodeBody(c.body, &req); err != nil {
			return nil, err
		}
	}
	offset, limit, err := paging(req.Offset, req.Limit, maxSubCustomersLimit)
	if err != nil {
		return nil, err
	}
	if err := noIndirectPartner(req.IndirectPartnerID); err != nil {
		return nil, err
	}
	if req.AssociationType != nil && *req.AssociationType != "" && *req.AssociationType != "1" && *req.AssociationType != "2" {
		return nil, badRequest("association_type must be 1 or 2")
	}
	begin, err := optTime("associated_on_begin", req.AssociatedOnBegin)
	if err != nil {
		return nil, err
	}
	end, err := optTime("associated_on_end", req.AssociatedOnEnd)
	if err != nil {
		return nil, err
	}
	set := func(p *string) bool { return p != nil && *p != "" }
	filtered := set(req.AccountName) || set(req.Customer) || set(req.Label) || set(req.AssociationType) ||
		set(req.CustomerID) || begin != nil || end != nil

	s.mu.RLock()
	defer s.mu.RUnlock()
	all := s.w.customers
	if filtered {
		all = nil
		for _, cu := range s.w.customers {
			switch {
			case set(req.CustomerID) && cu.ID != *req.CustomerID,
				set(req.AccountName) && !strings.Contains(cu.AccountName, *req.AccountName),
				set(req.Customer) && !strings.Contains(cu.Name, *req.Customer),
				set(req.Label) && !strings.Contains(cu.Label, *req.Label),
				set(req.AssociationType) && associationType(cu.Reseller) != *req.AssociationType,
				!window(cu.AssociatedOn, begin, end):
				continue
			}
			all = append(all, cu)
		}
	}
	out := listSubCustomersResponse{Count: len(all), CustomerInfos: []customerInformation{}}
	for _, cu := range pageOf(all, offset, limit) {
		out.CustomerInfos = append(out.CustomerInfos, customerInformation{
			Customer: cu.Name, AccountName: cu.AccountName, CustomerID: cu.ID, AssociatedOn: ts(cu.AssociatedOn),
			AssociationType: associationType(cu.Reseller), Label: cu.Label, VerifiedStatus: "2", CountryCode: "0086",
			CustomerType: 1, CustomerLevel: "V1",
		})
	}
	return out, nil
}

// associationType is "2" for the reseller model (代售) and "1" for advisory sales (顾问销售).
func associationType(reseller bool) string {
	if reseller {
		return "2"
	}
	return "1"
}

type customersBalancesRequest struct {
	CustomerInfos []struct {
		CustomerID string `json:"customer_id"`
	} `json:"customer_infos"`
	IndirectPartnerID *string `json:"indirect_partner_id"`
}

type customerBalancesV2 struct {
	CustomerID string      `json:"customer_id"`
	DebtAmount *amountJSON `json:"debt_amount,omitempty"`
	Amount     *amountJSON `json:"amount,omitempty"`
	Currency   string      `json:"currency,omitempty"`
	MeasureID  int         `json:"measure_id"`
}

type listCustomersBalancesDetailResponse struct {
	CustomerBalances []customerBalancesV2 `json:"customer_balances"`
}

// maxBalanceBatch is how many customers ListCustomersBalancesDetail takes per call.
const maxBalanceBatch = 100

func (s *Server) listCustomersBalancesDetail(c *call) (any, *apiError) {
	var req customersBalancesRequest
	if err := decodeBody(c.body, &req); err != nil {
		return nil, err
	}
	if n := len(req.CustomerInfos); n < 1 || n > maxBalanceBatch {
		return nil, badRequest("customer_infos must hold 1 to %d items, got %d", maxBalanceBatch, n)
	}
	for _, ci := range req.CustomerInfos {
		if ci.CustomerID == "" || len(ci.CustomerID) > 64 {
			return nil, badRequest("customer_id must be 1 to 64 characters")
		}
	}
	if err := noIndirectPartner(req.IndirectPartnerID); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := listCustomersBalancesDetailResponse{CustomerBalances: []customerBalancesV2{}}
	for _, ci := range req.CustomerInfos {
		cu, ok := s.w.byID[ci.CustomerID]
		// Non-reseller customers (and ids that are not this partner's) are silently left out.
		if !ok || !cu.Reseller {
			continue
		}
		amount, debt := split(cu.Balance)
		out.CustomerBalances = append(out.CustomerBalances, customerBalancesV2{
			CustomerID: cu.ID, Amount: amt(amount), DebtAmount: amt(debt), Currency: cu.Currency, MeasureID: 1,
		})
	}
	return out, nil
}

// split turns a signed balance into what BSS reports: the available amount and the debt, both >= 0.
func split(balance decimal.Decimal) (amount, debt decimal.Decimal) {
	if balance.IsNegative() {
		return decimal.Zero, balance.Neg()
	}
	return balance, decimal.Zero
}

type accountBalanceV3 struct {
	AccountID        string      `json:"account_id"`
	AccountType      int         `json:"account_type"`
	Amount           *amountJSON `json:"amount"`
	Currency         string      `json:"currency"`
	DesignatedAmount *amountJSON `json:"designated_amount,omitempty"`
	CreditAmount     *amountJSON `json:"credit_amount,omitempty"`
	MeasureID        int         `json:"measure_id"`
}

type showCustomerAccountBalancesResponse struct {
	AccountBalances []accountBalanceV3 `json:"account_balances"`
	DebtAmount      *amountJSON        `json:"debt_amount"`
	MeasureID       int                `json:"measure_id"`
	Currency        string             `json:"currency"`
}

func (s *Server) showCustomerAccountBalances(c *call) (any, *apiError) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	cu := s.w.byID[c.p.customerID]
	if s.site == SiteCN && cu.Reseller {
		// A China resale (转售) customer's money is held by its partner: it has no account balance.
		return nil, apiErr(http.StatusBadRequest, "CBC.99000049", "The reseller sub-customer has no account balance.")
	}
	amount, debt := split(cu.Balance)
	return showCustomerAccountBalancesResponse{
		AccountBalances: []accountBalanceV3{{AccountID: "BA" + cu.ID[:18], AccountType: AccountCash, Amount: amt(amount),
			Currency: cu.Currency, DesignatedAmount: amt(decimal.Zero), MeasureID: 1}},
		DebtAmount: amt(debt), MeasureID: 1, Currency: cu.Currency,
	}, nil
}

type authDomain struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
}

// listAuthDomains is IAM's KeystoneListAuthDomains, which the SDK calls when credentials lack a domain id.
func (s *Server) listAuthDomains(c *call) (any, *apiError) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	name := s.w.partner.Name
	if c.p.kind == kindCustomer {
		name = s.w.byID[c.p.customerID].AccountName
	}
	return map[string]any{"domains": []authDomain{{ID: c.p.domainID, Name: name, Enabled: true}}}, nil
}
