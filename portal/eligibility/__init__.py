"""Eligibility pre-check (报名资格预检): judges a declaration record against the exam's entry rules."""
