"""Learning from implicit feedback: the rewrite table, its signature, the hub that mines it (issue 5)."""
