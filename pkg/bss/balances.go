package bss

import (
	"context"
	"fmt"

	"github.com/bsswatch/bsswatch/pkg/money"
	cnmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	intlmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2/model"
)

// AccountType is the kind of money an account balance holds.
type AccountType int

// The account types BSS reports. Low-balance rules look at Cash; Credit and Allocatable are
// separate pots.
const (
	Cash        AccountType = 1
	Credit      AccountType = 2
	Bonus       AccountType = 5
	Deposit     AccountType = 7
	Allocatable AccountType = 8 // partner money that can be allocated to customers (可拨款)
)

// accountTypeNames are the account types as configurations and messages name them.
var accountTypeNames = map[AccountType]string{Cash: "cash", Credit: "credit", Bonus: "bonus", Deposit: "deposit", Allocatable: "allocatable"}

// AccountTypes lists the account types BSS reports, in code order.
var AccountTypes = []AccountType{Cash, Credit, Bonus, Deposit, Allocatable}

// String names the type ("cash"), or gives its code for one BSS has added since.
func (t AccountType) String() string {
	if n, ok := accountTypeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("type %d", int(t))
}

// AccountBalance is one account of the caller: the amount, the part earmarked for specific
// products (Designated), and for credit accounts the credit line.
type AccountBalance struct {
	AccountID  string
	Type       AccountType
	Amount     money.Amount
	Designated money.Amount
	CreditLine money.Amount
	Memo       string
}

// CustomerBalance is a sub-customer's balance as its partner sees it.
type CustomerBalance struct {
	CustomerID string
	Amount     money.Amount
	Debt       money.Amount
}

// OwnBalance is the caller's own accounts and total debt.
type OwnBalance struct {
	Accounts []AccountBalance
	Debt     money.Amount
}

// PartnerBalances returns the partner's own accounts (ListPartnerBalances, China site, partner
// credentials). It fails with Unsupported before any call for other profiles, and with an *Error
// when the call fails after retries.
func (c *Client) PartnerBalances(ctx context.Context) ([]AccountBalance, error) {
	if err := c.allow(ListPartnerBalances); err != nil {
		return nil, err
	}
	resp, err := read(ctx, c, ListPartnerBalances, func() (*cnmodel.ListPartnerBalancesResponse, error) {
		return c.cn.ListPartnerBalances(&cnmodel.ListPartnerBalancesRequest{})
	})
	if err != nil {
		return nil, err
	}
	if resp.AccountBalances == nil {
		return nil, malformed(ListPartnerBalances, "the answer has no account_balances")
	}
	var out []AccountBalance
	for _, b := range *resp.AccountBalances {
		cur := orDefault(&b.Currency, "CNY")
		m := b.MeasureId
		amount, err := measured(ListPartnerBalances, floatOf(&b.Amount), &m, cur)
		if err != nil {
			return nil, err
		}
		designated, _ := measured(ListPartnerBalances, floatOf(b.DesignatedAmount), &m, cur)
		credit, _ := measured(ListPartnerBalances, floatOf(b.CreditAmount), &m, cur)
		out = append(out, AccountBalance{AccountID: b.AccountId, Type: AccountType(b.AccountType),
			Amount: amount, Designated: designated, CreditLine: credit, Memo: str(b.Memo)})
	}
	return out, nil
}

// CustomerBalances returns the balances of the given sub-customers (ListCustomersBalancesDetail,
// China site, partner credentials), BatchCustomerBalances ids per call. Customers the service leaves
// out (it answers only for reseller-model customers) are absent from the result, never zero. An
// answer without customer_balances, or a customer without an amount, fails its batch as Malformed.
// A negative amount is kept: nothing documents that BSS clamps it at zero.
//
// When some batches fail, it returns the balances of the good batches together with a *BatchError
// listing the ids that were not evaluated; its Err is the first batch's *Error. It fails with
// Unsupported before any call for other profiles.
func (c *Client) CustomerBalances(ctx context.Context, customerIDs []string) ([]CustomerBalance, error) {
	if err := c.allow(ListCustomersBalancesDetail); err != nil {
		return nil, err
	}
	// A repeated id would waste room in a batch (and BSS may reject the batch), so each goes once.
	seen := make(map[string]bool, len(customerIDs))
	unique := make([]string, 0, len(customerIDs))
	for _, id := range customerIDs {
		if id == "" || len(id) > 64 {
			return nil, invalidArg(string(ListCustomersBalancesDetail), "customer id %q: want 1-64 characters", id)
		}
		if !seen[id] {
			seen[id] = true
			unique = append(unique, id)
		}
	}
	batches := Batches(unique, BatchCustomerBalances)
	results := make([][]CustomerBalance, len(batches))
	errs := c.fanOut(ctx, ListCustomersBalancesDetail, len(batches), func(i int) error {
		infos := make([]cnmodel.CustomerInfoV2, len(batches[i]))
		for j, id := range batches[i] {
			infos[j] = cnmodel.CustomerInfoV2{CustomerId: id}
		}
		resp, err := read(ctx, c, ListCustomersBalancesDetail, func() (*cnmodel.ListCustomersBalancesDetailResponse, error) {
			return c.cn.ListCustomersBalancesDetail(&cnmodel.ListCustomersBalancesDetailRequest{
				Body: &cnmodel.QueryCustomersBalancesReq{CustomerInfos: infos}})
		})
		if err != nil {
			return err
		}
		if resp.CustomerBalances == nil {
			return malformed(ListCustomersBalancesDetail, "the answer has no customer_balances")
		}
		for _, b := range *resp.CustomerBalances {
			if b.Amount == nil {
				return malformed(ListCustomersBalancesDetail, "customer %s has no amount", b.CustomerId)
			}
			cur := orDefault(b.Currency, "CNY")
			amount, err := measured(ListCustomersBalancesDetail, decimalOf(b.Amount), b.MeasureId, cur)
			if err != nil {
				return err
			}
			debt, _ := measured(ListCustomersBalancesDetail, decimalOf(b.DebtAmount), b.MeasureId, cur)
			results[i] = append(results[i], CustomerBalance{CustomerID: b.CustomerId, Amount: amount, Debt: debt})
		}
		return nil
	})
	var out []CustomerBalance
	var batchErr *BatchError
	for i, err := range errs {
		if err != nil {
			if batchErr == nil {
				batchErr = &BatchError{Err: err}
			}
			batchErr.Failed = append(batchErr.Failed, batches[i]...)
			continue
		}
		out = append(out, results[i]...)
	}
	if batchErr != nil {
		return out, batchErr
	}
	return out, nil
}

// OwnBalances returns the caller's own accounts (ShowCustomerAccountBalances): customers on either
// site. It fails with Unsupported before any call for a partner (the API is for a customer's own
// account; a China-site partner uses PartnerBalances), with NotApplicable (CBC.99000049) for a
// China-site reseller customer, whose balance only its partner holds, and with Malformed for an
// answer without account_balances or an account without an amount.
func (c *Client) OwnBalances(ctx context.Context) (OwnBalance, error) {
	if err := c.allow(ShowCustomerAccountBalances); err != nil {
		return OwnBalance{}, err
	}
	resp, err := read(ctx, c, ShowCustomerAccountBalances, func() (*cnmodel.ShowCustomerAccountBalancesResponse, error) {
		if c.cn != nil {
			return c.cn.ShowCustomerAccountBalances(&cnmodel.ShowCustomerAccountBalancesRequest{})
		}
		r, err := c.intl.ShowCustomerAccountBalances(&intlmodel.ShowCustomerAccountBalancesRequest{})
		if err != nil {
			return nil, err
		}
		out := &cnmodel.ShowCustomerAccountBalancesResponse{DebtAmount: r.DebtAmount, MeasureId: r.MeasureId, Currency: r.Currency}
		if r.AccountBalances != nil {
			bs := make([]cnmodel.AccountBalanceV3, len(*r.AccountBalances))
			for i, b := range *r.AccountBalances {
				bs[i] = cnmodel.AccountBalanceV3(b)
			}
			out.AccountBalances = &bs
		}
		return out, nil
	})
	if err != nil {
		return OwnBalance{}, err
	}
	cur := orDefault(resp.Currency, c.siteCurrency())
	debt, err := measured(ShowCustomerAccountBalances, decimalOf(resp.DebtAmount), resp.MeasureId, cur)
	if err != nil {
		return OwnBalance{}, err
	}
	out := OwnBalance{Debt: debt}
	if resp.AccountBalances == nil {
		return OwnBalance{}, malformed(ShowCustomerAccountBalances, "the answer has no account_balances")
	}
	for _, b := range *resp.AccountBalances {
		if b.Amount == nil {
			return OwnBalance{}, malformed(ShowCustomerAccountBalances, "account %s has no amount", b.AccountId)
		}
		bcur := orDefault(&b.Currency, cur)
		m := b.MeasureId
		amount, err := measured(ShowCustomerAccountBalances, decimalOf(b.Amount), &m, bcur)
		if err != nil {
			return OwnBalance{}, err
		}
		designated, _ := measured(ShowCustomerAccountBalances, decimalOf(b.DesignatedAmount), &m, bcur)
		credit, _ := measured(ShowCustomerAccountBalances, decimalOf(b.CreditAmount), &m, bcur)
		out.Accounts = append(out.Accounts, AccountBalance{AccountID: b.AccountId, Type: AccountType(b.AccountType),
			Amount: amount, Designated: designated, CreditLine: credit})
	}
	return out, nil
}
