// Package bss is the one layer through which bsswatch calls the Huawei Cloud BSS (billing) API. It
// wraps the official SDK (services/bss/v2 for the China site, services/bssintl/v2 for the
// international site) and returns our own types with money as decimals.
//
// # Building a client
//
// A Profile is one set of credentials: role (partner or customer), site (cn or intl), AK/SK with an
// optional security token (agency credentials), and the account's domain id, which is always
// required: with it the SDK makes no IAM call when the client is built and fills the X-Domain-Id
// header and ListInvoices' path itself. New makes no network call. Profile's String and LogValue
// never show the AK, SK or token, and neither does any error text of this package (secrets are
// also scrubbed from server messages, in case a server or proxy echoes them).
//
// # Which profile may call what
//
// The client refuses, before any call, an API the profile cannot use (kind Unsupported): BSS would
// answer 403, or the site's SDK has no such API.
//
//	method            API                             China partner  China customer  intl partner  intl customer
//	PartnerBalances   ListPartnerBalances             yes            -               -             -
//	SubCustomers      ListSubCustomers                yes            -               yes           -
//	CustomerBalances  ListCustomersBalancesDetail     yes            -               -             -
//	OwnBalances       ShowCustomerAccountBalances     -              yes             -             yes
//	QuotaCoupons      ListQuotaCoupons                yes            -               -             -
//	IssuedCoupons     ListIssuedPartnerCoupons        yes            -               -             -
//	Coupons           ListSubCustomerCoupons          own coupons    yes             own coupons   yes
//	Resources         ListPayPerUseCustomerResources  with customer  yes             with customer yes
//	RenewRate, Renew  ListRenewRateOnPeriod, RenewalResources  -     yes             -             yes
//	RenewalOrders     ListCustomerOrders (+ Resources)  -            yes             -             yes
//	Invoices          ListInvoices                    -              -               yes           yes
//	PartnerSpend      ListPartnerAccountChangeRecords yes            -               -             -
//	ConsumingCustomers ListConsumeSubCustomers        yes            -               -             -
//	CustomerSpend     ListSubCustomerBillDetail       yes            -               -             -
//	OwnSpend          ListCustomerselfResourceRecords -              yes             -             yes
//
// A partner quotes and renews a customer's resources with that customer's credentials (its own
// AK/SK, or temporary credentials from an agency), never with the partner's.
//
// # Paging and batching
//
// Every list is read to the end at the largest page size the API accepts (PageSubCustomers 100,
// PageQuotas 100, PageIssued 100, PageCoupons 100, PageResources 500, PageInvoices 100, PageOrders
// 100, PageAccountChanges 100, PageConsumers 100, PageCustomerBills 1000, PageOwnResourceBills 1000;
// the fee-record APIs take one bill cycle per call, so a window across two months is two listings), so a listing of n records takes Pages(n, size) calls, the minimum: the first call tells the
// total and the remaining pages are then read with up to Options.Concurrency calls in flight. The
// totals are "total_count", except "count" for ListSubCustomers, ListSubCustomerCoupons and
// ListInvoices; offsets are record offsets from 0, except ListInvoices, whose offset is a page
// number from 1. Id lists are cut to the API's maximum: 100 customers per
// ListCustomersBalancesDetail, 50 resource ids per ListPayPerUseCustomerResources; RenewRate and
// Renew take 1-10 ids and refuse more (Invalid, before any call).
//
// A listing is all or nothing: when a page fails, the method returns the error and no records. The
// exception is CustomerBalances, which returns the balances of the batches that succeeded together
// with a *BatchError naming the customers that were not evaluated. Customers BSS leaves out of its
// answer (it answers only for reseller-model customers) are absent, never zero.
//
// # Rate limits and retries
//
// BSS limits calls per account and API (10 per second by default). Every call first takes a token
// from a bucket keyed by (domain id, API), shared by every Client of the process (or of the Limits
// given in Options), so the client stays under the limit instead of provoking 429s.
//
// Reads are retried on 429, 5xx, network errors and timeouts, with jittered exponential backoff
// (Options.BaseDelay, 200ms by default, doubling up to Options.MaxDelay), at most Options.MaxRetries
// times (4 by default); then the typed error is returned. Other 4xx answers are never retried. The
// SDK takes no context, so each attempt runs in its own goroutine: a cancelled context returns at
// once (the abandoned attempt ends within Profile.Timeout) and stops further retries.
//
// Renew (RenewalResources creates orders) is sent exactly once, never retried, not even on 429, 5xx
// or a timeout. When it fails after the request may have reached BSS (5xx, timeout, network error,
// an unreadable 200), the error's kind is Ambiguous: the order may exist, so look before trying
// again (RenewalOrders finds it, with its id). Any other kind means no order was placed.
//
// # Errors
//
// Failed calls return an *Error with the API name, a Kind (Throttled, Auth, Forbidden, Invalid,
// NotFound, Conflict, Transient, Unsupported, Ambiguous, Malformed, NotApplicable), the HTTP status,
// BSS's error code and message, and the X-Request-Id. errors.Is works with the sentinels
// (bss.ErrAuth, ...). Per-resource failures of a quote or a renewal inside a 200 answer are data,
// not errors.
//
// A 2xx answer is no proof of success (bss-api.md section 10). A 2xx whose body carries an
// error_code other than CBC.0000 is an *Error typed by its code (the SDK would decode it as an empty
// success); a list without its total, a balance answer without its accounts or amount, and a quote
// that does not price (above zero) or refuse every requested id are Malformed. No missing amount is
// ever read as zero. CBC.0155 is Forbidden ("the account or IAM user lacks permission for <API>",
// with BSS's message), not bad credentials; CBC.99000049 (a China resale customer's own balance) is
// NotApplicable; CBC.99007197, documented nowhere, is not taken for throttling.
//
// A throttled answer pauses the (account, API) bucket for every caller sharing it, for the
// Retry-After it names or else a second (at most MaxDelay), so a burst of goroutines backs off
// together rather than each retrying into the limit.
//
// # Counting calls
//
// Client.Stats reports, per API, the attempts sent, the retries, the throttled answers and the
// calls that failed in the end; the benchmarks compare it with the minimum number of calls.
package bss
