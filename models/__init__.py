"""Policy models shipped with teacher_match: one TOML file per regional policy (data only)."""
