// Package renewal quotes yearly/monthly resources that are about to lapse, posts each quote to Slack
// with Approve and Reject buttons, and renews them exactly once when an allowed person approves.
//
// A quote lives in the state store and moves through a small state machine:
//
//	pending -> approving -> ordering -> renewed | failed
//	pending -> rejected | expired | superseded
//	approving -> superseded (the price rose beyond the tolerance before the order)
//
// Every move is a conditional write at the version the mover read, so of two concurrent clicks (in two
// Lambda containers) exactly one wins. The order itself is guarded twice: approving -> ordering is
// written before RenewalResources is called, and a worker that finds a quote already in ordering (a
// crash, a retried asynchronous invocation) first checks BSS for signs that the order exists (the
// expiry moved, the resources sit in a pending-payment order, or the customer's order list holds a
// renewal of them) and never places a second one; an order found in the list is recorded with its id.
//
// A Service has three entry points: Scan (on a schedule) finds and quotes resources, HandleClick
// answers a Slack interaction within a second and hands the order to a Dispatcher, and Order (the
// asynchronous worker) re-quotes and places the order.
package renewal
