-- claim: move the next job id of the first non-paused queue into its started registry.
-- KEYS and ARGV: one claim group (see _claim.lua); ARGV[1] is the lease expiry.
-- Returns {queue name, job id} or nil when nothing can be claimed.
return claim_next(#ARGV - 1)
