"""The reviewers' season dashboards: 单位绑定情况 (binding status per unit), 未确认记录 (open declaration records
per unit and city, the candidates behind them, their export) and reminders; figures read from the snapshot of
`portal.stats.snapshot`."""
