-- claim: move the next job id of the first non-paused queue into its started registry (and
-- start it when it is one of the worker's candidates).
-- KEYS and ARGV: one claim group (see _claim.lua) and nothing else.
-- Returns claim_next's reply (see _claim.lua) or nil when nothing can be claimed.
return claim_next((#KEYS - 3 - tonumber(ARGV[#ARGV])) / 3)
