"""Forum categories (Wagtail pages), threads and posts, subscriptions, new members' approval."""
