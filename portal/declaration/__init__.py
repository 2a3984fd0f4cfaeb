"""Declaration data (申报信息): exam years, unit entry, candidate confirmation, import, checklist."""
