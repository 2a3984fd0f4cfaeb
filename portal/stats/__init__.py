"""Statistics (统计分析): the snapshot of per-candidate facts and aggregate cells, the analysts' tables with
small-cell suppression, stored eligibility verdicts, the dashboards bench."""
