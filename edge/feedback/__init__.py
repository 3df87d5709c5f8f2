"""Implicit feedback on the speaker: defects, rephrases, failure points, and the events synced to the hub (issue 5)."""
