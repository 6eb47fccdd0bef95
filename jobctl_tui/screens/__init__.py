"""One screen per view, plus the confirmation modal and the help screen."""
