// Package sandbox is a local HTTP server that speaks the Huawei Cloud BSS wire protocol (China site
// bss/v2 and international site bssintl/v2) for the endpoints bsswatch uses, so the official SDK can be
// tested over loopback HTTP against realistic data.
//
// What it reproduces, because the real service does it and code that ignores it breaks in production:
//   - SDK-HMAC-SHA256 signatures over the canonical request, a 15-minute X-Sdk-Date window, and
//     X-Domain-Id bound to the access key (401 APIGW.0301, 403 CBC.0151);
//   - which account kind may call which API (partner, customer, per site), answered with 403 CBC.0151;
//   - per-API limits on page sizes, batch sizes and periods (400 CBC.0100 and the business codes);
//   - record-offset paging everywhere except invoices (page number), with total_count or count exactly
//     where the SDK model has it, and the JSON types the SDK decodes strictly (numbers, strings);
//   - business failures inside HTTP 200 for renewal quotes, and stateful renewals (paid and unpaid
//     orders that ListCustomerOrders lists and the resource listing finds by order_id, moved expiry,
//     400 CBC.99003100 while an order waits for payment);
//   - latency, throttling (429 CBC.0250 per account and API), and faults set by Options, AddFault or the
//     admin API under AdminPrefix: any status and body (200 with an error body, 200 {}), latency, hangs;
//   - a business clock (Clock, Advance) that starts at the generation anchor, stamps orders and ages
//     the world: resources past their expiry show as expired (still renewable until deleted);
//   - combined orders (sub_order_infos) for batch renewals, and China resale customers without a
//     balance of their own (CBC.99000049);
//   - spend records that follow the business clock (spend.go): the partner's account movements with
//     the balance after each, the customers that consumed in a bill cycle, and fee records by day.
//
// A deterministic generator builds the world from a seed: one partner, any number of customers with
// balances, coupons, coupon quotas, yearly/monthly resources, spend profiles drawn from the balances
// and (international site) invoices.
package sandbox
