"""MQTT topic rules (as Home Assistant checks them) and wildcard matching."""

from __future__ import annotations

MAX_TOPIC_BYTES = 65535


def _basic_problem(topic: str) -> str:
    if not topic:
        return "is empty"
    if "\0" in topic:
        return "contains a NUL character"
    try:
        size = len(topic.encode("utf-8"))
    except UnicodeEncodeError:
        return "is not valid UTF-8"
    if size > MAX_TOPIC_BYTES:
        return f"is longer than {MAX_TOPIC_BYTES} bytes"
    return ""


def publish_topic_problem(topic: str) -> str:
    """Why topic cannot be published to ("" when it can)."""
    problem = _basic_problem(topic)
    if not problem and ("+" in topic or "#" in topic):
        problem = "contains a wildcard (+ or #)"
    return problem


def subscribe_topic_problem(topic: str) -> str:
    """Why topic is not a valid subscription filter ("" when it is)."""
    problem = _basic_problem(topic)
    if problem:
        return problem
    levels = topic.split("/")
    for i, level in enumerate(levels):
        if "#" in level and (level != "#" or i != len(levels) - 1):
            return "uses # other than as the whole last level"
        if "+" in level and level != "+":
            return "uses + other than as a whole level"
    return ""


def has_wildcard(topic: str) -> bool:
    return "+" in topic or "#" in topic


def topic_matches(subscription: str, topic: str) -> bool:
    """Whether topic matches the subscription filter (MQTT 3.1.1 section 4.7)."""
    if subscription == topic:
        return True
    sub_levels = subscription.split("/")
    topic_levels = topic.split("/")
    if topic.startswith("$") and sub_levels[0] in ("+", "#"):
        return False
    for i, level in enumerate(sub_levels):
        if level == "#":
            return True
        if i >= len(topic_levels):
            return False
        if level != "+" and level != topic_levels[i]:
            return False
    return len(sub_levels) == len(topic_levels)
