// Package alert turns the findings of checks into a lifecycle of notifications, the way Alertmanager
// does, with one message per (check, account) group per run.
//
// A group's first message is a digest (KindFiring). In later runs the engine compares the findings with
// the stored ones by fingerprint: a new finding, a change of severity or tier, or a finding that is gone
// edits the original message (KindUpdate, with the changes in plain text for its thread); a group that
// still fires unchanged gets a reminder after RepeatInterval (KindRepeat); when everything is gone the
// group closes (KindResolved) and a later finding starts a new message. A finding is only resolved when
// its subject was evaluated: a skipped subject or a check that could not run resolves nothing. A check
// that could not run is itself reported to the ops route once per failure episode (KindCheckFailed),
// and its recovery goes to the same place; a run that was only partial (Evaluation.Partial) counts as
// a run that worked, with its skipped subjects left as they were.
//
// A check may add Notes to its digests (totals under the summary); they never cause a message alone.
//
// Some checks report states rather than problems (an invoice request moving through review). For
// them a finding can be Final (told once when it is new or changed, then kept as a silent marker and
// dropped without a "resolved" line), an evaluation can ForgetGone (a finding no longer reported left
// the check's window: it goes silently), and FirstRun decides what a group's first evaluation tells
// (FirstRunRecord records everything and tells nothing, so enabling a check does not flood a channel;
// a group then opens on its first change, whose message carries the change lines itself), and
// NoRepeat keeps such a group from being reminded.
//
// # Stored records
//
// Everything of one group lives in one partition, "alert/<check>/<account>", so one List reads it:
//
//	head                       the group: open or closed, its epoch (a new id each time it opens),
//	                           when it opened, when it last notified, and a lease while a run is
//	                           changing it
//	fail                       the check-failure episode: the same, plus the failure's reason
//	f/<xx>                     the group's firing findings whose fingerprint starts with the hex byte
//	                           xx (256 chunks at most): subject, severity, tier and title per
//	                           fingerprint. Amounts are not stored, so they cause no writes.
//	r/<head|fail>/<dest>       where the message of the current epoch lives at a destination (its Ref)
//	o/<nanos>/<msg id>/<dest>  a message waiting for one destination, in queue order
//
// A chunk holds about 150 bytes per finding, so a group of 10,000 findings keeps every chunk near
// 6 KB; a chunk over 350 KB (about 600,000 findings in one group) is refused with an error rather than
// written. A run writes only the records whose content changed: a run that finds nothing new reads one
// List per group and writes nothing.
//
// # Delivery and concurrency
//
// A change is committed in an order that loses nothing if the run dies: the head is written with a
// lease (a versioned Put, so of two runs that read the same state only one gets it; the other re-reads,
// sees the lease or the result, and sends nothing), then the message is queued per destination in the
// outbox, then the findings chunks, then the head again without the lease. Queued messages are sent
// after all groups are decided, and the next run sends what is left before anything new, with the same
// message id (webhook receivers drop duplicates by it). A queue entry is claimed with a versioned Put
// before it is sent, so two runs never send it both. An entry is dropped, and reported, when the
// destination answers that it is gone (notify.ErrGone), when it is no longer routed, or after
// OutboxTTL; the store forgets it on its own a while later even if no run comes by.
package alert
