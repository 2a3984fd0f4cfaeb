"""Real-name verification (实名认证): vocab (states, labels), policy (limits), service (the candidate's
verification), review (the reviewers' queue and decisions), check/ (the automatic ID card check)."""
